// A small history router: the path is a signal; links call navigate().
import { signal } from "@preact/signals";

export const path = signal(location.pathname);

/** Go to a path of the app; `to` may carry a query (`/login?next=...`), the route is its path. */
export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  history[replace ? "replaceState" : "pushState"](null, "", to);
  path.value = location.pathname;
  window.scrollTo(0, 0);
}

/** Where to go after signing in: `?next=` when it is a path of this app, else the subjects. */
export function nextPath(search: string = location.search): string {
  const next = new URLSearchParams(search).get("next") ?? "";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

addEventListener("popstate", () => {
  path.value = location.pathname;
});

export type Route =
  | { page: "login" }
  | { page: "register" }
  | { page: "subjects" }
  | { page: "folder"; id: number; tab: FolderTab }
  | { page: "quiz"; id: number; results: boolean }
  | { page: "learn"; id: number }
  | { page: "analysis"; id: number }
  | { page: "invite"; code: string }
  | { page: "missing" };

export const FOLDER_TABS = ["documents", "overview", "plan", "mastery", "quizzes", "sessions"] as const;
export type FolderTab = (typeof FOLDER_TABS)[number];

export function match(p: string): Route {
  const parts = p.split("/").filter(Boolean);
  const id = Number(parts[1]);
  if (parts.length === 0) return { page: "subjects" };
  if (parts[0] === "login" && parts.length === 1) return { page: "login" };
  if (parts[0] === "register" && parts.length === 1) return { page: "register" };
  if (parts[0] === "invite" && parts.length === 2) return { page: "invite", code: parts[1] };
  if (!Number.isInteger(id) || id <= 0) return { page: "missing" };
  if (parts[0] === "folders" && parts.length <= 3) {
    const tab = (parts[2] ?? "documents") as FolderTab;
    return FOLDER_TABS.includes(tab) ? { page: "folder", id, tab } : { page: "missing" };
  }
  if (parts[0] === "quizzes" && (parts.length === 2 || parts[2] === "results")) {
    return { page: "quiz", id, results: parts[2] === "results" };
  }
  if (parts[0] === "learn" && parts.length === 2) return { page: "learn", id };
  if (parts[0] === "sessions" && parts[2] === "analysis" && parts.length === 3) return { page: "analysis", id };
  return { page: "missing" };
}

/** A same-origin link click handled by the router (modifier clicks open tabs as usual). */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.target as Element).closest("a");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target) return;
  const url = new URL(a.href, location.href);
  if (url.pathname === location.pathname && url.hash) return;
  if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/static/")) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
}
