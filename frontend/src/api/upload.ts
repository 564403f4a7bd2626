// Multipart upload with byte progress (fetch has no upload progress; XMLHttpRequest does).
import { accessToken, ApiError, refreshAccess } from "./http";
import type { Document } from "./endpoints";

export type UploadProgress = (loaded: number, total: number) => void;

function once(url: string, form: FormData, token: string | null, onProgress: UploadProgress) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded, e.total);
    xhr.onload = () => {
      let body: any = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { code: "error", detail: `${xhr.status} ${xhr.statusText}` };
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "The upload was interrupted: check your connection."));
    xhr.send(form);
  });
}

/** Upload one file to a folder; resolves with the created documents or throws an ApiError
 * (413 too large, 415 unsupported type, 409 duplicate…) whose detail is shown on its row. */
export async function uploadFile(folderId: number, file: File, onProgress: UploadProgress): Promise<Document[]> {
  const form = new FormData();
  form.append("files", file);
  const url = `/api/v1/folders/${folderId}/documents/`;
  let r = await once(url, form, await accessToken(), onProgress);
  if (r.status === 401) r = await once(url, form, await refreshAccess(), onProgress);
  if (r.status >= 400) throw new ApiError(r.status, r.body?.code ?? "error", r.body?.detail ?? "Upload failed.");
  return r.body as Document[];
}
