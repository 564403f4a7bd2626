import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api/http";

/** Load data for a page: [value, error, reload]. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [T | undefined, string, () => void] {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState("");
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then((v) => live && (setValue(() => v), setError("")), (e) => live && setError(message(e)));
    return () => { live = false; };
  }, [...deps, tick]);
  return [value, error, () => setTick((t) => t + 1)];
}

export function message(e: unknown): string {
  if (e instanceof ApiError) return e.detail;
  return e instanceof Error ? e.message : String(e);
}

export function ErrorText({ text }: { text: string }) {
  return text ? <p class="error" role="alert">{text}</p> : null;
}

export function Progress({ value, label }: { value: number; label: string }) {
  return (
    <div class="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(value)}>
      <div style={{ width: `${Math.max(0, Math.min(100, value))}%` }} />
    </div>
  );
}

/** A confirm dialog on the native <dialog> (focus trapped, Escape closes). */
export function Confirm(props: { open: boolean; title: string; children?: ComponentChildren; confirm: string; onConfirm: () => void; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} class="dialog" aria-label={props.title} onClose={props.onClose}>
      <h2>{props.title}</h2>
      {props.children}
      <div class="row">
        <button type="button" class="danger" onClick={() => { props.onConfirm(); props.onClose(); }}>{props.confirm}</button>
        <button type="button" onClick={props.onClose}>Cancel</button>
      </div>
    </dialog>
  );
}

/** A date and time in the reader's locale; `short` without seconds, for dates far off. */
export function when(iso: string | null | undefined, short = false): string {
  return iso ? new Date(iso).toLocaleString(undefined, short ? { dateStyle: "medium", timeStyle: "short" } : undefined) : "";
}
