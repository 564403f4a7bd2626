// Zoom and pan by changing the viewBox; by default fit to what is drawn, not the whole board.
import type { BoardObject } from "./spec";
import { BOARD_H, BOARD_W } from "./render";

export type View = { x: number; y: number; w: number; h: number };
export const WHOLE: View = { x: 0, y: 0, w: BOARD_W, h: BOARD_H };
const PAD = 24;
const MIN_W = 480;
const TIGHT_PAD = 6;
const TIGHT_MIN_W = 240;

export function contentBox(objects: Iterable<BoardObject>): View | null {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (const o of objects) {
    if (o.x === undefined || o.y === undefined || o.x === null || o.y === null) continue;
    x1 = Math.min(x1, o.x);
    y1 = Math.min(y1, o.y);
    x2 = Math.max(x2, o.x + (o.width ?? 0));
    y2 = Math.max(y2, o.y + (o.height ?? 0));
  }
  return x1 === Infinity ? null : { x: x1, y: y1, w: x2 - x1, h: y2 - y1 };
}

/** A view around `box` with padding, at least MIN_W wide (tight: for a phone), shaped like the pane. */
export function fit(box: View | null, aspect: number, tight = false): View {
  if (!box) return WHOLE;
  const pad = tight ? TIGHT_PAD : PAD;
  const minW = tight ? TIGHT_MIN_W : MIN_W;
  let w = Math.max(box.w + 2 * pad, minW);
  let h = Math.max(box.h + 2 * pad, minW / 1.6);
  if (w / h < aspect) w = h * aspect;
  else h = w / aspect;
  return { x: inside(box.x + box.w / 2 - w / 2, w, BOARD_W), y: inside(box.y + box.h / 2 - h / 2, h, BOARD_H), w, h };
}

/** Keep a fitted view on the board where it can be (no empty margin beyond its edge). */
function inside(start: number, size: number, total: number): number {
  return size >= total ? (total - size) / 2 : Math.min(Math.max(start, 0), total - size);
}

export function zoom(view: View, factor: number, at: { x: number; y: number }): View {
  const w = Math.min(Math.max(view.w * factor, 100), BOARD_W * 3);
  const h = view.h * (w / view.w);
  return { x: at.x - ((at.x - view.x) * w) / view.w, y: at.y - ((at.y - view.y) * h) / view.h, w, h };
}
