// JSON over fetch with the JWT pair. The access token lives in memory only; the refresh
// token in localStorage so a reload stays signed in (no server change needed; the CSP's
// script-src 'self' and the DOM-only rendering of model output are what keep script out).
import { signal } from "@preact/signals";

const REFRESH_KEY = "tutor.refresh";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly fields: Record<string, string[]> = {},
  ) {
    super(detail);
  }
}

let access: string | null = null;
let refreshing: Promise<string | null> | null = null;
/** True while a refresh token is held: the app's auth gate reads it. */
export const signedIn = signal<boolean>(!!localStorage.getItem(REFRESH_KEY));

export function setTokens(pair: { access: string; refresh?: string }): void {
  access = pair.access;
  if (pair.refresh) localStorage.setItem(REFRESH_KEY, pair.refresh);
  signedIn.value = true;
}

export function signOut(): void {
  access = null;
  localStorage.removeItem(REFRESH_KEY);
  signedIn.value = false;
}

/** A fresh access token from the refresh token; null (and signed out) when it is refused. */
export function refreshAccess(): Promise<string | null> {
  const token = localStorage.getItem(REFRESH_KEY);
  if (!token) return Promise.resolve(null);
  refreshing ??= fetch("/api/v1/auth/token/refresh/", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh: token }),
  })
    .then(async (r) => {
      if (r.status === 401 || r.status === 400) {
        signOut();
        return null;
      }
      if (!r.ok) throw await toError(r);
      const body = (await r.json()) as { access: string; refresh?: string };
      setTokens(body);
      return body.access;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** The current access token, refreshed when there is none yet. */
export async function accessToken(): Promise<string | null> {
  return access ?? (await refreshAccess());
}

export async function toError(r: Response): Promise<ApiError> {
  try {
    const body = await r.json();
    return new ApiError(r.status, body.code ?? "error", body.detail ?? r.statusText, body.fields ?? {});
  } catch {
    return new ApiError(r.status, "error", `${r.status} ${r.statusText}`);
  }
}

type Options = { method?: string; body?: unknown; auth?: boolean };

export async function api<T>(path: string, { method = "GET", body, auth = true }: Options = {}): Promise<T> {
  const send = async (token: string | null) =>
    fetch(`/api/v1/${path}`, {
      method,
      headers: {
        Accept: "application/json",
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
        ...(auth && token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  let r = await send(auth ? await accessToken() : null);
  if (auth && r.status === 401) {
    const token = await refreshAccess();
    if (!token) throw new ApiError(401, "not_authenticated", "Your sign-in has expired. Please log in again.");
    r = await send(token);
  }
  if (!r.ok) throw await toError(r);
  return (r.status === 204 ? undefined : await r.json()) as T;
}

/** Sign in: the JWT pair for a username and password. */
export async function logIn(username: string, password: string): Promise<void> {
  setTokens(await api<{ access: string; refresh: string }>("auth/token/", {
    method: "POST", body: { username, password }, auth: false,
  }));
}
