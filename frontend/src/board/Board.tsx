// The live whiteboard: our SVG renderer of the object spec keyed by id, fit to content
// with pan and zoom, focusable answer options, the learner's tools, remote cursors and
// a hidden text outline for screen readers.
import { memo } from "preact/compat";
import { useEffect, useRef, useState } from "preact/hooks";
import type * as Y from "yjs";
import type { BoardObject } from "./spec";
import { loadKatex } from "../ui/math";
import { objectNode, paintOrder, toDom } from "./render";
import { LOCAL, type BoardSession, type Peer } from "./session";
import { moved, shape, textObject, type Point, type Tool } from "./tools";
import { invalidReason } from "./validate";
import { contentBox, fit, zoom, type View, WHOLE } from "./viewport";

const TOOLS: [Tool, string, string][] = [
  ["move", "Move", "✥"], ["pen", "Pen", "✎"], ["rect", "Rectangle", "▭"], ["ellipse", "Ellipse", "◯"],
  ["arrow", "Arrow", "➚"], ["text", "Text", "T"], ["eraser", "Eraser", "⌫"],
];

const NARROW = 600;
// The screen-reader outline follows the board at most this often: re-listing a busy
// board's objects on every stroke of every peer would take the main thread.
const OUTLINE_MS = 300;

type Gesture =
  | { kind: "draw"; start: Point; points: Point[] }
  | { kind: "pan"; from: { x: number; y: number }; view: View }
  | { kind: "drag"; id: string; start: Point; last: Point };

type OutlineItem = { id: string; kind: string; text: string; role?: string };
type Asked = { question: string; options: { id: string; text: string }[] };

function outlineOf(objects: BoardObject[]): OutlineItem[] {
  return objects
    .filter((o) => o.text || o.latex)
    .map((o) => ({ id: o.id, kind: o.kind, text: o.text ?? o.latex ?? "", role: o.metadata.role ?? undefined }));
}

function sameOutline(a: OutlineItem[], b: OutlineItem[]): boolean {
  return a.length === b.length && a.every((x, i) => x.id === b[i].id && x.text === b[i].text && x.role === b[i].role);
}

/** Index in `sorted` (paint order) where `spec` is or would go. */
function position(sorted: BoardObject[], spec: BoardObject): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (paintOrder(sorted[mid], spec) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Other people's presence, read from awareness at most once per animation frame. */
function usePeers(session: BoardSession): Peer[] {
  const [peers, setPeers] = useState<Peer[]>([]);
  useEffect(() => {
    let frame = 0;
    const onChange = () => { frame ||= requestAnimationFrame(() => { frame = 0; setPeers(session.peers()); }); };
    session.provider?.awareness.on("change", onChange);
    return () => { session.provider?.awareness.off("change", onChange); cancelAnimationFrame(frame); };
  }, [session]);
  return peers;
}

// Presence and cursors are their own components: a peer's cursor move re-renders them only.
function Presence({ session }: { session: BoardSession }) {
  const peers = usePeers(session);
  return peers.length > 0 ? (
    <span class="presence" aria-label="Also here">
      {peers.map((p) => (
        <span key={p.clientId} class="peer" style={{ borderColor: p.color }} title={p.role}>{p.name}{p.role && <span class="sr-only">, {p.role}</span>}</span>
      ))}
    </span>
  ) : null;
}

type Size = { w: number; h: number };

/** Other people's cursors: an HTML layer over the board, each cursor moved by a CSS
 * transform on its own compositor layer. Inside the board's <svg> every cursor frame
 * repainted the whole board (2,000 objects while 20 peers draw). */
function Cursors({ session, view, size }: { session: BoardSession; view: View; size: Size }) {
  const peers = usePeers(session);
  // The <svg>'s viewBox mapping (preserveAspectRatio xMidYMid meet), without reading layout.
  const scale = Math.min(size.w / view.w, size.h / view.h);
  const dx = (size.w - view.w * scale) / 2 - view.x * scale;
  const dy = (size.h - view.h * scale) / 2 - view.y * scale;
  return (
    <div class="board-cursors" aria-hidden="true">
      {peers.filter((p) => p.cursor).map((p) => (
        <div key={p.clientId} class="cursor" style={{ transform: `translate(${dx + p.cursor!.x * scale}px, ${dy + p.cursor!.y * scale}px)` }}>
          <svg width="16" height="23" viewBox="-1 -1 16 23">
            <path d="M0 0 L0 18 L5 13 L9 22 L12 21 L8 12 L15 12 Z" fill={p.color} stroke="#fff" stroke-width="1.5" />
          </svg>
          <span style={{ background: p.color }}>{p.name}</span>
        </div>
      ))}
    </div>
  );
}

const Outline = memo(function Outline({ items, invalid }: { items: OutlineItem[]; invalid: number }) {
  return (
    <div class="sr-only">
      <h3>Board contents</h3>
      {items.length === 0 ? <p>The board is empty.</p> : (
        <ul>{items.map((o) => <li key={o.id}>{o.role === "option" ? "Answer option: " : ""}{o.text}</li>)}</ul>
      )}
      {invalid > 0 && <p>{invalid} malformed objects are not shown.</p>}
    </div>
  );
});

function upgradeLatex(g: SVGGElement, spec: BoardObject): void {
  loadKatex().then((katex) => {
    const text = g.querySelector("text.latex");
    if (!text || !g.isConnected) return;
    const fo = document.createElementNS("http://www.w3.org/2000/svg", "foreignObject");
    for (const [k, v] of Object.entries({ x: spec.x, y: spec.y, width: spec.width, height: spec.height })) fo.setAttribute(k, String(v ?? 0));
    const div = document.createElement("div");
    div.className = "board-latex";
    div.style.fontSize = `${spec.style?.fontSize ?? 16}px`;
    try {
      katex.render(spec.latex ?? "", div, { throwOnError: true, trust: false, output: "html" });
    } catch {
      return; // the source stays, as text
    }
    fo.appendChild(div);
    text.replaceWith(fo);
  });
}

// Memoised: the Learn page re-renders on every streamed frame, the board need not.
export const Board = memo(function Board(props: {
  session: BoardSession; openQuestion: string | null; onOption: (objectId: string) => void; active: boolean;
  /** Someone else (the tutor, another learner) drew. */
  onDrawn: () => void;
  /** A viewer: pan, zoom and follow the board, but no tool that writes and no answering. */
  readOnly: boolean;
}) {
  const { session } = props;
  const svgRef = useRef<SVGSVGElement>(null);
  const layerRef = useRef<SVGGElement>(null);
  const draftRef = useRef<SVGGElement>(null);
  const nodes = useRef(new Map<string, SVGGElement>());
  // The valid objects, by id and in paint order, kept as they change (never re-sorted whole).
  const shownById = useRef(new Map<string, BoardObject>());
  const sorted = useRef<BoardObject[]>([]);
  const gesture = useRef<Gesture | null>(null);
  const onDrawn = useRef(props.onDrawn);
  onDrawn.current = props.onDrawn;
  const openRef = useRef(props.openQuestion);
  openRef.current = props.openQuestion;
  const readOnly = useRef(props.readOnly);
  readOnly.current = props.readOnly;
  /** An option of this question cannot be chosen (not the waiting one, or this user only views). */
  const closed = (questionId: number | string | null | undefined) =>
    readOnly.current || (!!questionId && String(questionId) !== openRef.current);
  const touchedView = useRef(0);
  const [tool, setTool] = useState<Tool>("move");
  const [view, setView] = useState<View>(WHOLE);
  const [size, setSize] = useState<Size>({ w: 1, h: 1 });
  const viewRef = useRef(view);
  viewRef.current = view;
  const [outline, setOutline] = useState<OutlineItem[]>([]);
  const [invalid, setInvalid] = useState(0);
  const [problem, setProblem] = useState("");
  const [textAt, setTextAt] = useState<Point | null>(null);
  const [canUndo, setCanUndo] = useState(false);
  const [canRedo, setCanRedo] = useState(false);
  // On a phone: the newest question on the board, its options repeated as full-size buttons.
  const [asked, setAsked] = useState<Asked | null>(null);

  const aspect = () => {
    const r = svgRef.current?.getBoundingClientRect();
    return r && r.width > 0 && r.height > 0 ? r.width / r.height : 1.6;
  };
  const valid = () => sorted.current;
  // Fit to what is drawn; on a narrow pane (a phone) to the newest group only, whole: a
  // question drawn 700 units wide then shows at about half size, nothing cut off, and its
  // options are repeated under the board as buttons a finger can hit (44 px, WCAG 2.5.5).
  const focus = () => {
    const all = valid();
    const width = svgRef.current?.getBoundingClientRect().width ?? 1000;
    const narrow = width > 0 && width < NARROW;
    const newest = narrow ? all.filter((o) => o.kind === "group").reduce<BoardObject | undefined>(
      (a, b) => (!a || (b.metadata.created_at ?? 0) > (a.metadata.created_at ?? 0) ? b : a), undefined) : undefined;
    const shown = newest ? all.filter((o) => o.id === newest.id || o.metadata.group_id === newest.id) : all;
    const options = shown.filter((o) => o.metadata.role === "option" && o.metadata.question_id)
      .sort((a, b) => (a.metadata.option_index ?? 0) - (b.metadata.option_index ?? 0));
    const question = shown.find((o) => o.metadata.role === "question")?.text;
    setAsked(newest && options.length ? { question: question ?? "", options: options.map((o) => ({ id: o.id, text: o.text ?? "" })) } : null);
    return { shown, narrow };
  };
  const fitNow = () => {
    const { shown, narrow } = focus();
    const next = fit(contentBox(shown), aspect(), narrow);
    const v = viewRef.current;
    if (next.x !== v.x || next.y !== v.y || next.w !== v.w || next.h !== v.h) setView(next);
  };

  function toBoard(e: { clientX: number; clientY: number }): Point {
    const svg = svgRef.current!;
    const m = svg.getScreenCTM();
    if (!m) return [0, 0];
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
    return [p.x, p.y];
  }

  // Render the objects keyed by id; re-render only the changed keys.
  useEffect(() => {
    const layer = layerRef.current!;
    const map = nodes.current;
    const byId = shownById.current;
    const list = sorted.current;
    const bad = new Set<string>();
    let outlineTimer: ReturnType<typeof setTimeout> | undefined;
    function draw(key: string, value: BoardObject | undefined): void {
      map.get(key)?.remove();
      map.delete(key);
      bad.delete(key);
      const old = byId.get(key);
      if (old) {
        list.splice(position(list, old), 1);
        byId.delete(key);
      }
      if (value === undefined) return;
      if (invalidReason(value, key)) {
        bad.add(key);
        return; // skipped and counted, never thrown
      }
      const g = toDom(objectNode(value)) as SVGGElement;
      if (value.metadata.role === "option") {
        const label = value.text ?? `option ${(value.metadata.option_index ?? 0) + 1}`;
        g.setAttribute("tabindex", "0");
        g.setAttribute("role", "button");
        g.setAttribute("aria-label", `Answer: ${label}`);
        g.classList.add("option");
        if (closed(value.metadata.question_id)) g.setAttribute("aria-disabled", "true");
      }
      if (value.kind === "latex") upgradeLatex(g, value);
      map.set(key, g);
      // Into its place in paint order, moving no other node.
      const at = position(list, value);
      layer.insertBefore(g, at < list.length ? map.get(list[at].id)! : null);
      list.splice(at, 0, value);
      byId.set(key, value);
    }
    function order(): void {
      outlineTimer ??= setTimeout(() => {
        outlineTimer = undefined;
        const next = outlineOf(list);
        // Strokes have no text: most changes leave the outline as it was.
        setOutline((shown) => sameOutline(shown, next) ? shown : next);
        setInvalid(bad.size);
      }, OUTLINE_MS);
    }
    session.objects.forEach((v, k) => draw(k, v));
    setOutline(outlineOf(list));
    setInvalid(bad.size);
    fitNow();
    const observer = (event: Y.YMapEvent<BoardObject>, tr: Y.Transaction) => {
      let drawn = false;
      event.changes.keys.forEach((change, key) => {
        const value = session.objects.get(key);
        draw(key, value);
        if (value && change.action === "add" && tr.origin !== LOCAL) {
          drawn = true;
          // A brief highlight of what the tutor drew; never of people's strokes: an
          // animated <g> repaints the whole board each frame (with 20 peers drawing on
          // 2,000 objects, update-to-paint went from 0.2 s to 1.6 s, measured).
          if (value.metadata.source === "assistant") map.get(key)?.classList.add("flash");
        }
      });
      order();
      if (drawn) onDrawn.current();
      // Re-fit to what is drawn when someone else draws, unless the learner just moved the view.
      if (drawn && Date.now() - touchedView.current > 8000) fitNow();
      else if (drawn) focus();
    };
    session.objects.observe(observer);
    const undoState = () => {
      setCanUndo(session.undo.undoStack.length > 0);
      setCanRedo(session.undo.redoStack.length > 0);
    };
    session.undo.on("stack-item-added", undoState);
    session.undo.on("stack-item-popped", undoState);
    // The pane's size changes with the window, the phone tabs and the answer strip below it.
    const resized = new ResizeObserver(([entry]) => {
      setSize({ w: entry.contentRect.width, h: entry.contentRect.height });
      fitNow();
    });
    resized.observe(svgRef.current!);
    return () => {
      session.objects.unobserve(observer);
      session.undo.off("stack-item-added", undoState);
      session.undo.off("stack-item-popped", undoState);
      resized.disconnect();
      clearTimeout(outlineTimer);
    };
  }, [session]);

  // Answered questions' options are disabled, and every option for a viewer; a viewer has only Move (pan).
  useEffect(() => {
    nodes.current.forEach((g, id) => {
      const q = session.objects.get(id)?.metadata?.question_id;
      if (!g.classList.contains("option") || !q) return;
      if (closed(q)) g.setAttribute("aria-disabled", "true");
      else g.removeAttribute("aria-disabled");
    });
    if (props.readOnly) setTool("move");
  }, [props.openQuestion, props.readOnly]);

  // The pane became visible (phone tabs): its size changed.
  useEffect(() => { if (props.active) fitNow(); }, [props.active]);

  function option(target: EventTarget | null): string | null {
    if (readOnly.current) return null;
    const g = (target as Element | null)?.closest?.("g.option");
    return g && g.getAttribute("aria-disabled") !== "true" ? g.getAttribute("data-id") : null;
  }

  function userObject(target: EventTarget | null): string | null {
    if (readOnly.current) return null;
    const g = (target as Element | null)?.closest?.('g[data-source="user"]');
    return g?.getAttribute("data-id") ?? null;
  }

  function commit(obj: BoardObject | null): void {
    if (!obj) return;
    const reason = session.write(obj);
    setProblem(reason ? `Not drawn: ${reason}` : "");
  }

  function showDraft(obj: BoardObject | null): void {
    const draft = draftRef.current!;
    draft.replaceChildren();
    if (obj) draft.appendChild(toDom(objectNode(obj)));
  }

  function onPointerDown(e: PointerEvent): void {
    const p = toBoard(e);
    if (tool === "move" && option(e.target)) return; // a click on an answer
    if (tool === "text") {
      e.preventDefault();
      setTextAt(p);
      return;
    }
    if (tool === "eraser") {
      const id = userObject(e.target);
      if (id) session.remove(id);
      return;
    }
    (e.currentTarget as Element).setPointerCapture(e.pointerId);
    if (tool === "move") {
      const id = userObject(e.target);
      gesture.current = id ? { kind: "drag", id, start: p, last: p } : { kind: "pan", from: { x: e.clientX, y: e.clientY }, view: viewRef.current };
      return;
    }
    gesture.current = { kind: "draw", start: p, points: [p] };
  }

  function onPointerMove(e: PointerEvent): void {
    const p = toBoard(e);
    session.cursor({ x: Math.round(p[0]), y: Math.round(p[1]) }, tool);
    const g = gesture.current;
    if (!g) return;
    if (g.kind === "pan") {
      const r = svgRef.current!.getBoundingClientRect();
      const scale = Math.max(g.view.w / r.width, g.view.h / r.height);
      touchedView.current = Date.now();
      setView({ ...g.view, x: g.view.x - (e.clientX - g.from.x) * scale, y: g.view.y - (e.clientY - g.from.y) * scale });
    } else if (g.kind === "drag") {
      g.last = p;
      const obj = session.objects.get(g.id);
      if (obj) showDraft(moved(obj, p[0] - g.start[0], p[1] - g.start[1]));
    } else {
      const events = tool === "pen" && e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
      for (const ev of events.length ? events : [e]) g.points.push(toBoard(ev));
      showDraft(shape(tool, "draft", g.start, p, g.points));
    }
  }

  function onPointerUp(e: PointerEvent): void {
    const g = gesture.current;
    gesture.current = null;
    showDraft(null);
    if (!g) return;
    const p = toBoard(e);
    if (g.kind === "drag") {
      const obj = session.objects.get(g.id);
      if (obj && (p[0] !== g.start[0] || p[1] !== g.start[1])) commit(moved(obj, p[0] - g.start[0], p[1] - g.start[1]));
    } else if (g.kind === "draw") {
      g.points.push(p);
      commit(shape(tool, session.newId(tool), g.start, p, g.points));
    }
  }

  function onClick(e: MouseEvent): void {
    const id = tool === "move" ? option(e.target) : null;
    if (id) props.onOption(id);
  }

  function onKeyDown(e: KeyboardEvent): void {
    const mod = (e.ctrlKey || e.metaKey) && !readOnly.current; // undo and redo write
    if (mod && e.key.toLowerCase() === "z") {
      e.preventDefault();
      e.shiftKey ? session.undo.redo() : session.undo.undo();
      return;
    }
    if (mod && e.key.toLowerCase() === "y") {
      e.preventDefault();
      session.undo.redo();
      return;
    }
    const id = option(e.target);
    if (id && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      props.onOption(id);
      return;
    }
    const v = viewRef.current;
    const centre = { x: v.x + v.w / 2, y: v.y + v.h / 2 };
    const pan: Record<string, [number, number]> = { ArrowLeft: [-0.1, 0], ArrowRight: [0.1, 0], ArrowUp: [0, -0.1], ArrowDown: [0, 0.1] };
    if (e.target !== svgRef.current) return;
    if (e.key === "+" || e.key === "=") setView(zoom(v, 0.8, centre));
    else if (e.key === "-") setView(zoom(v, 1.25, centre));
    else if (e.key === "0") fitNow();
    else if (pan[e.key]) setView({ ...v, x: v.x + pan[e.key][0] * v.w, y: v.y + pan[e.key][1] * v.h });
    else return;
    touchedView.current = Date.now();
    e.preventDefault();
  }

  function onWheel(e: WheelEvent): void {
    e.preventDefault();
    const [x, y] = toBoard(e);
    touchedView.current = Date.now();
    setView(zoom(viewRef.current, e.deltaY > 0 ? 1.1 : 1 / 1.1, { x, y }));
  }

  useEffect(() => {
    const svg = svgRef.current!;
    svg.addEventListener("wheel", onWheel, { passive: false });
    return () => svg.removeEventListener("wheel", onWheel);
  }, []);

  const textBox = textAt && svgRef.current ? (() => {
    const m = svgRef.current!.getScreenCTM()!;
    const host = svgRef.current!.parentElement!.getBoundingClientRect();
    const p = new DOMPoint(textAt[0], textAt[1]).matrixTransform(m);
    return { left: p.x - host.left, top: p.y - host.top };
  })() : null;

  return (
    <div class="board">
      <div class="board-tools" role="toolbar" aria-label="Drawing tools">
        {TOOLS.map(([key, label, icon]) => (
          <button key={key} type="button" class="tool" aria-pressed={tool === key} aria-label={label} title={label} onClick={() => setTool(key)}
            disabled={props.readOnly && key !== "move"}>
            <span aria-hidden="true">{icon}</span>
          </button>
        ))}
        <span class="sep" />
        <button type="button" class="tool" aria-label="Undo" title="Undo (Ctrl+Z)" disabled={!canUndo || props.readOnly} onClick={() => session.undo.undo()}>↶</button>
        <button type="button" class="tool" aria-label="Redo" title="Redo (Ctrl+Shift+Z)" disabled={!canRedo || props.readOnly} onClick={() => session.undo.redo()}>↷</button>
        <button type="button" class="tool" aria-label="Zoom in" onClick={() => setView(zoom(view, 0.8, { x: view.x + view.w / 2, y: view.y + view.h / 2 }))}>+</button>
        <button type="button" class="tool" aria-label="Zoom out" onClick={() => setView(zoom(view, 1.25, { x: view.x + view.w / 2, y: view.y + view.h / 2 }))}>−</button>
        <button type="button" class="tool wide" onClick={fitNow}>Fit</button>
        <Presence session={session} />
      </div>
      <div class="board-stage">
        <svg ref={svgRef} class={`board-svg tool-${tool}`} aria-label="Whiteboard" role="application" tabIndex={0}
          viewBox={`${view.x} ${view.y} ${view.w} ${view.h}`} font-family="'Liberation Sans', Arial, Helvetica, sans-serif"
          onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp} onPointerCancel={onPointerUp}
          onPointerLeave={() => session.cursor(null, tool)} onClick={onClick} onKeyDown={onKeyDown}>
          <defs>
            <marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke" />
            </marker>
          </defs>
          <rect x="0" y="0" width="1600" height="1000" fill="#FFFFFF" class="board-paper" />
          <g ref={layerRef} class="board-objects" />
          <g ref={draftRef} class="board-draft" opacity="0.7" />
        </svg>
        <Cursors session={session} view={view} size={size} />
        {textBox && (
          <form class="board-text" style={{ left: `${textBox.left}px`, top: `${textBox.top}px` }}
            onSubmit={(e) => { e.preventDefault(); (e.currentTarget.elements.namedItem("t") as HTMLInputElement).blur(); }}>
            <label class="sr-only" for="board-text-input">Text to add to the board</label>
            <input id="board-text-input" name="t" autoFocus maxLength={2000}
              onKeyDown={(e) => { if (e.key === "Escape") { (e.target as HTMLInputElement).value = ""; (e.target as HTMLInputElement).blur(); } }}
              onBlur={(e) => { const v = (e.target as HTMLInputElement).value; if (v.trim()) commit(textObject(session.newId("text"), textAt!, v)); setTextAt(null); }} />
          </form>
        )}
      </div>
      {asked && (
        <div class="board-asked" role="group" aria-label="The question on the board">
          {asked.question && <p>{asked.question}</p>}
          {asked.options.map((o) => {
            const q = session.objects.get(o.id)?.metadata?.question_id;
            return (
              <button key={o.id} type="button" class="board-answer" disabled={closed(q)}
                onClick={() => props.onOption(o.id)}>{o.text}</button>
            );
          })}
        </div>
      )}
      {problem && <p class="error" role="alert">{problem}</p>}
      <Outline items={outline} invalid={invalid} />
    </div>
  );
});
