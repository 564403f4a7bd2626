// The learner's drawing tools: one gesture -> one object spec (source "user").
import type { BoardObject } from "./spec";
import { BOARD_H, BOARD_W } from "./render";
import { charWidth, textSize } from "./textfit";
import { MAX_POINTS } from "./validate";

export type Tool = "move" | "pen" | "rect" | "ellipse" | "arrow" | "text" | "eraser";
export type Point = [number, number];
export const INK = "#1d4ed8";

const clampX = (v: number) => Math.min(Math.max(v, 0), BOARD_W);
const clampY = (v: number) => Math.min(Math.max(v, 0), BOARD_H);
export const clamp = ([x, y]: Point): Point => [round(clampX(x)), round(clampY(y))];
const round = (v: number) => Math.round(v * 10) / 10;

function meta(): BoardObject["metadata"] {
  return { source: "user", created_at: Date.now() };
}

/** Drop points closer than `min` units to the last kept one, then cap the count. */
export function simplify(points: Point[], min = 1.5): Point[] {
  const kept: Point[] = [];
  for (const p of points) {
    const last = kept[kept.length - 1];
    if (!last || Math.hypot(p[0] - last[0], p[1] - last[1]) >= min) kept.push(p);
  }
  const end = points[points.length - 1];
  if (end && kept[kept.length - 1] !== end && kept.length > 1) kept.push(end);
  if (kept.length <= MAX_POINTS) return kept;
  const step = kept.length / MAX_POINTS;
  return Array.from({ length: MAX_POINTS }, (_, i) => kept[Math.min(kept.length - 1, Math.round(i * step))]);
}

/** A point kind's box, as the server derives it (specs.py accepts it within 0.5). */
function boxed(o: BoardObject): BoardObject {
  const xs = o.points!.map((p) => p[0]), ys = o.points!.map((p) => p[1]);
  const x = Math.min(...xs), y = Math.min(...ys);
  return { ...o, x, y, width: round(Math.max(...xs) - x), height: round(Math.max(...ys) - y) };
}

export function shape(tool: Tool, id: string, a: Point, b: Point, points: Point[]): BoardObject | null {
  [a, b] = [clamp(a), clamp(b)];
  const style = { stroke: INK, strokeWidth: 3 };
  if (tool === "pen") {
    const pts = simplify(points.map(clamp));
    if (pts.length < 2) return null;
    return boxed({ id, kind: "path", points: pts, style, metadata: meta() });
  }
  if (tool === "arrow") {
    if (Math.hypot(b[0] - a[0], b[1] - a[1]) < 4) return null;
    return boxed({ id, kind: "arrow", points: [a, b], style, metadata: meta() });
  }
  if (tool === "rect" || tool === "ellipse") {
    const x = Math.min(a[0], b[0]), y = Math.min(a[1], b[1]);
    const width = round(Math.abs(b[0] - a[0])), height = round(Math.abs(b[1] - a[1]));
    if (width < 4 || height < 4) return null;
    return { id, kind: tool, x, y, width, height, style: { ...style, fill: "none" }, metadata: meta() };
  }
  return null;
}

/** A text object at `at`, sized with the server's text estimate and kept on the board. */
export function textObject(id: string, at: Point, text: string, fontSize = 20): BoardObject | null {
  const value = text.trim();
  if (!value) return null;
  const maxWidth = Math.min(480, BOARD_W);
  const [w, h] = textSize(value, fontSize, maxWidth);
  const width = Math.ceil(w + charWidth(fontSize));
  const height = Math.ceil(h);
  const x = Math.min(clampX(at[0]), BOARD_W - width);
  const y = Math.min(clampY(at[1]), BOARD_H - height);
  return { id, kind: "text", x: round(x), y: round(y), width, height, text: value.slice(0, 2000), style: { fill: INK, fontSize }, metadata: meta() };
}

/** The object moved by (dx, dy), kept inside the board. */
export function moved(o: BoardObject, dx: number, dy: number): BoardObject {
  const x = o.x ?? 0, y = o.y ?? 0, w = o.width ?? 0, h = o.height ?? 0;
  dx = Math.min(Math.max(dx, -x), BOARD_W - (x + w));
  dy = Math.min(Math.max(dy, -y), BOARD_H - (y + h));
  if (o.points) return boxed({ ...o, points: o.points.map(([px, py]) => [round(px + dx), round(py + dy)] as Point) });
  return { ...o, x: round(x + dx), y: round(y + dy) };
}
