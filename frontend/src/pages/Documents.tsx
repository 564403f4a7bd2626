// Uploads never fail silently: byte progress while sending, then stage + percent polled
// from the document until ready, or failed with its reason and a Reprocess button; an
// upload the server refuses (413, 415, 409…) stays as a row with the server's reason.
import { useEffect, useRef, useState } from "preact/hooks";
import { endpoints, type Document } from "../api/endpoints";
import { uploadFile } from "../api/upload";
import { ApiError } from "../api/http";
import { ErrorText, message, Progress, useLoad } from "../ui/common";

type Upload = { key: number; name: string; loaded: number; total: number; error?: string };
const DONE = new Set(["ready", "failed"]);
let uploadKey = 1;

function stageLabel(d: Document): string {
  if (d.status === "ready") return "ready";
  if (d.status === "failed") return "failed";
  return d.stage || d.status;
}

function DocumentRow({ doc, onChange }: { doc: Document; onChange: (d: Document | null) => void }) {
  const [error, setError] = useState("");
  const done = DONE.has(doc.status);
  return (
    <li class={`doc doc-${doc.status}`} data-status={doc.status}>
      <span class="doc-name">{doc.name}</span>
      <span class="status-word">{stageLabel(doc)}</span>
      {!done && <Progress value={doc.progress} label={`${doc.name}: ${doc.stage} ${doc.progress}%`} />}
      {!done && <span class="pct">{doc.progress}%</span>}
      {doc.status === "failed" && <span class="reason">{doc.error || "Processing failed."}</span>}
      <span class="row">
        {doc.status === "failed" && (
          <button type="button" onClick={() => endpoints.reprocess(doc.id).then(onChange, (e) => setError(message(e)))}
            aria-label={`Reprocess ${doc.name}`}>Reprocess</button>
        )}
        <button type="button" class="link" aria-label={`Remove ${doc.name}`}
          onClick={() => endpoints.deleteDocument(doc.id).then(() => onChange(null), (e) => setError(message(e)))}>Remove</button>
      </span>
      <ErrorText text={error} />
    </li>
  );
}

export function Documents({ folderId }: { folderId: number }) {
  const [loaded, error, reload] = useLoad(() => endpoints.documents(folderId), [folderId]);
  const [docs, setDocs] = useState<Document[]>([]);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const docsRef = useRef(docs);
  docsRef.current = docs;

  useEffect(() => { if (loaded) setDocs(loaded); }, [loaded]);

  // Poll documents still being processed, once a second.
  useEffect(() => {
    const timer = setInterval(async () => {
      const busy = docsRef.current.filter((d) => !DONE.has(d.status));
      if (!busy.length || document.hidden) return;
      const fresh = await Promise.all(busy.map((d) => endpoints.document(d.id).catch(() => d)));
      setDocs((all) => all.map((d) => fresh.find((f) => f.id === d.id) ?? d));
    }, 1000);
    return () => clearInterval(timer);
  }, []);

  function update(key: number, change: Partial<Upload>) {
    setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...change } : u)));
  }

  async function send(files: FileList | File[]) {
    for (const file of Array.from(files)) {
      const key = uploadKey++;
      setUploads((all) => [...all, { key, name: file.name, loaded: 0, total: file.size }]);
      uploadFile(folderId, file, (l, t) => update(key, { loaded: l, total: t })).then(
        (created) => {
          setUploads((all) => all.filter((u) => u.key !== key));
          setDocs((all) => [...created, ...all.filter((d) => !created.some((c) => c.id === d.id))]);
        },
        (e) => update(key, { error: e instanceof ApiError ? `${e.detail} (${e.status})` : message(e) }),
      );
    }
  }

  return (
    <div>
      <div class={dragging ? "dropzone over" : "dropzone"}
        onDragOver={(e) => { e.preventDefault(); setDragging(true); }} onDragLeave={() => setDragging(false)}
        onDrop={(e) => { e.preventDefault(); setDragging(false); if (e.dataTransfer?.files) send(e.dataTransfer.files); }}>
        <p>Drop PDF, Word, Markdown, text or HTML files here, or</p>
        <label class="button primary" for="upload">Choose files</label>
        <input id="upload" class="sr-only" type="file" multiple aria-label="Upload documents"
          accept=".pdf,.docx,.md,.markdown,.txt,.html,.htm,application/pdf,text/plain,text/markdown,text/html"
          onChange={(e) => { const input = e.target as HTMLInputElement; if (input.files) send(input.files); input.value = ""; }} />
      </div>
      <ErrorText text={error} />
      <ul class="docs" aria-label="Documents">
        {uploads.map((u) => (
          <li key={`u${u.key}`} class={u.error ? "doc doc-failed" : "doc"} data-status={u.error ? "rejected" : "uploading"}>
            <span class="doc-name">{u.name}</span>
            {u.error ? (
              <>
                <span class="status-word">rejected</span>
                <span class="reason" role="alert">{u.error}</span>
                <button type="button" class="link" onClick={() => setUploads((all) => all.filter((x) => x.key !== u.key))}
                  aria-label={`Dismiss ${u.name}`}>Dismiss</button>
              </>
            ) : (
              <>
                <span class="status-word">uploading</span>
                <Progress value={u.total ? (100 * u.loaded) / u.total : 0} label={`Uploading ${u.name}`} />
                <span class="pct">{Math.round(u.loaded / 1024)} / {Math.round(u.total / 1024)} KB</span>
              </>
            )}
          </li>
        ))}
        {docs.map((d) => (
          <DocumentRow key={d.id} doc={d}
            onChange={(next) => next ? setDocs((all) => all.map((x) => (x.id === d.id ? next : x))) : reload()} />
        ))}
      </ul>
      {loaded && !docs.length && !uploads.length && <p class="muted">No documents yet: upload your notes to start.</p>}
    </div>
  );
}
