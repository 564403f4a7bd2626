import { signal } from "@preact/signals";

type Toast = { id: number; text: string; kind: "info" | "error" };
const toasts = signal<Toast[]>([]);
let next = 1;

export function toast(text: string, kind: Toast["kind"] = "info"): void {
  const id = next++;
  toasts.value = [...toasts.value, { id, text, kind }];
  setTimeout(() => (toasts.value = toasts.value.filter((t) => t.id !== id)), 6000);
}

export function Toasts() {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.value.map((t) => <p key={t.id} class={`toast toast-${t.kind}`}>{t.text}</p>)}
    </div>
  );
}
