// A port of boards_app/svg.py: object spec -> SVG elements, as a plain tree (testable
// without a DOM; the parity test compares it with the server's export of the same objects).
import type { BoardObject } from "./spec";
import { lineHeight, wrapText } from "./textfit";

export type VNode = { tag: string; attrs: Record<string, string>; children: (VNode | string)[] };
export const BOARD_W = 1600;
export const BOARD_H = 1000;
const DEFAULT_FONT = 16;
// Paint order: frames, then filled shapes, then strokes, then text on top.
export const LAYER: Record<string, number> = {
  group: 0, image: 1, rect: 1, ellipse: 1, polygon: 1, path: 2, line: 2, arrow: 2, text: 3, latex: 3,
};

/** Python's f"{v:.1f}".rstrip("0").rstrip(".") (round half to even on exact ties). */
export function n(value: number): string {
  let fixed = value.toFixed(1);
  const tenth = value * 10;
  if (Math.abs(tenth - Math.trunc(tenth)) === 0.5) {
    const down = Math.trunc(tenth);
    const even = down % 2 === 0 ? down : down + Math.sign(tenth);
    fixed = (even / 10).toFixed(1);
  }
  return fixed.replace(/0+$/, "").replace(/\.$/, "");
}

function el(tag: string, attrs: Record<string, string | number | null | undefined>, children: (VNode | string)[] = []): VNode {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) clean[k] = String(v);
  return { tag, attrs: clean, children };
}

type Box = { x: number; y: number; width: number; height: number };

function paint(spec: BoardObject, fill: string | null, stroke: string | null) {
  const s = spec.style ?? {};
  return {
    fill: s.fill ?? fill,
    stroke: s.stroke ?? stroke,
    "stroke-width": s.strokeWidth !== undefined && s.strokeWidth !== null ? n(s.strokeWidth) : stroke ? "2" : null,
  };
}

function textBlock(text: string, box: Box, fontSize: number, colour: string, centred: boolean, css = ""): VNode {
  const lines = wrapText(text, fontSize, Math.max(box.width, fontSize));
  const step = lineHeight(fontSize);
  const top = centred ? box.y + (box.height - step * lines.length) / 2 : box.y;
  const x = centred ? box.x + box.width / 2 : box.x;
  const spans = lines.map((line, i) => el("tspan", { x: n(x), y: n(top + step * (i + 0.8)) }, [line]));
  return el("text", { class: css || null, "font-size": n(fontSize), fill: colour, "text-anchor": centred ? "middle" : null }, spans);
}

function label(spec: BoardObject, box: Box): VNode[] {
  if (!spec.text) return [];
  const font = spec.style?.fontSize ?? DEFAULT_FONT;
  return [textBlock(spec.text, { x: box.x + 4, y: box.y, width: box.width - 8, height: box.height }, font, "#000000", true)];
}

const points = (spec: BoardObject) => (spec.points ?? []).map(([x, y]) => `${n(x)},${n(y)}`).join(" ");

/** The object's box; point kinds may leave it out (the server derives it from the points). */
export function boxOf(spec: BoardObject): Box {
  if (spec.points?.length && (spec.x === undefined || spec.x === null)) {
    const xs = spec.points.map((p) => p[0]), ys = spec.points.map((p) => p[1]);
    const x = Math.min(...xs), y = Math.min(...ys);
    return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
  }
  return { x: spec.x ?? 0, y: spec.y ?? 0, width: spec.width ?? 0, height: spec.height ?? 0 };
}

/** The SVG elements of one object (inside its <g>). */
export function elements(spec: BoardObject): VNode[] {
  const box = boxOf(spec);
  const font = spec.style?.fontSize ?? DEFAULT_FONT;
  switch (spec.kind) {
    case "rect":
      return [el("rect", { x: n(box.x), y: n(box.y), width: n(box.width), height: n(box.height), ...paint(spec, "#FFFFFF", "#000000") }), ...label(spec, box)];
    case "ellipse":
      return [el("ellipse", { cx: n(box.x + box.width / 2), cy: n(box.y + box.height / 2), rx: n(box.width / 2), ry: n(box.height / 2), ...paint(spec, "#FFFFFF", "#000000") }), ...label(spec, box)];
    case "polygon":
      return [el("polygon", { points: points(spec), ...paint(spec, "#FFFFFF", "#000000") }), ...label(spec, box)];
    case "line":
    case "arrow":
      return [el("polyline", { points: points(spec), "marker-end": spec.kind === "arrow" ? "url(#arrowhead)" : null, ...paint(spec, "none", "#000000") })];
    case "path": {
      const [first = [0, 0], ...rest] = spec.points ?? [];
      const d = `M ${n(first[0])} ${n(first[1])} ` + rest.map(([x, y]) => `L ${n(x)} ${n(y)}`).join(" ");
      return [el("path", { d, "stroke-linecap": "round", "stroke-linejoin": "round", ...paint(spec, "none", "#000000") })];
    }
    case "text":
      return [textBlock(spec.text ?? "", box, font, spec.style?.fill ?? "#000000", false)];
    case "latex": {
      const block = textBlock(spec.latex ?? "", box, font, spec.style?.fill ?? "#000000", false, "latex");
      return [{ ...block, attrs: { "data-latex": spec.latex ?? "", ...block.attrs } }];
    }
    case "image":
      return [el("image", { href: spec.src, x: n(box.x), y: n(box.y), width: n(box.width), height: n(box.height), preserveAspectRatio: "xMidYMid meet" })];
    default: {
      // group: the frame of one skill call, drawn only when it has a visible stroke.
      const frame = el("rect", { x: n(box.x), y: n(box.y), width: n(box.width), height: n(box.height), "stroke-dasharray": "6 4", ...paint(spec, "none", "none") });
      return spec.text ? [frame, textBlock(spec.text, box, spec.style?.fontSize ?? 14, "#555555", false)] : [frame];
    }
  }
}

/** The object's <g>, with the data attributes of the server's export. */
export function objectNode(spec: BoardObject): VNode {
  const m = spec.metadata;
  return el("g", { "data-id": spec.id, "data-kind": spec.kind, "data-source": m.source, "data-role": m.role ?? null }, elements(spec));
}

/** Paint order of the server's export: layer, then creation time, then id. */
export function paintOrder(a: BoardObject, b: BoardObject): number {
  return LAYER[a.kind] - LAYER[b.kind] || (a.metadata.created_at ?? 0) - (b.metadata.created_at ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** Build DOM nodes from a tree (text only through text nodes: nothing is parsed as markup). */
export function toDom(node: VNode | string): Node {
  if (typeof node === "string") return document.createTextNode(node);
  const e = document.createElementNS(SVG_NS, node.tag);
  for (const [k, v] of Object.entries(node.attrs)) e.setAttribute(k, v);
  for (const child of node.children) e.appendChild(toDom(child));
  return e;
}
