// Mirror of whiteboard_app/specs.py: a learner's object is checked before it is written,
// because the server's readers skip invalid objects (the tutor, the summary and the
// export would not see a stroke the learner sees). Returns the reason, or null.
import { BOARD_H, BOARD_W } from "./render";

const KINDS = ["rect", "ellipse", "text", "line", "arrow", "path", "polygon", "latex", "image", "group"];
const BOX_KINDS = new Set(["rect", "ellipse", "text", "latex", "image", "group"]);
const MIN_POINTS: Record<string, number> = { line: 2, arrow: 2, path: 2, polygon: 3 };
const LABELLED = new Set(["text", "rect", "ellipse", "polygon", "group"]);
export const MAX_TEXT = 2000;
export const MAX_POINTS = 2000;
const BOX_TOLERANCE = 0.5;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/;
const COLOR = /^(#[0-9a-fA-F]{3,4}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]{3,20}|rgba?\([0-9., %]{3,40}\))$/;
const IMAGE = /^(https?:\/\/[^\s"'<>]{1,2000}|data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+)$/;
const OBJECT_KEYS = new Set(["id", "kind", "x", "y", "width", "height", "points", "style", "text", "latex", "src", "metadata"]);
const STYLE_KEYS = new Set(["fill", "stroke", "strokeWidth", "fontSize"]);
const META_KEYS = new Set(["source", "role", "group_id", "question_id", "option_index", "concept", "turn_id", "is_correct", "linked_to", "created_at"]);

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const len = (s: string) => [...s].length;

function extra(obj: object, allowed: Set<string>, where: string): string | null {
  const bad = Object.keys(obj).find((k) => !allowed.has(k));
  return bad ? `${where}${bad}: extra field` : null;
}

function checkStyle(style: unknown): string | null {
  if (style === undefined) return null;
  if (typeof style !== "object" || style === null) return "style: expected an object";
  const s = style as Record<string, unknown>;
  for (const key of ["fill", "stroke"]) {
    const v = s[key];
    if (v !== undefined && v !== null && (typeof v !== "string" || !COLOR.test(v))) return `style.${key}: not a colour`;
  }
  const sw = s.strokeWidth;
  if (sw !== undefined && sw !== null && (!finite(sw) || sw < 0 || sw > 50)) return "style.strokeWidth: 0 to 50";
  const fs = s.fontSize;
  if (fs !== undefined && fs !== null && (!finite(fs) || fs < 6 || fs > 200)) return "style.fontSize: 6 to 200";
  return extra(s, STYLE_KEYS, "style.");
}

function checkMetadata(meta: unknown): string | null {
  if (typeof meta !== "object" || meta === null) return "metadata: required";
  const m = meta as Record<string, unknown>;
  if (m.source !== "user" && m.source !== "assistant") return "metadata.source: assistant or user";
  for (const key of ["group_id", "question_id", "linked_to"]) {
    if (m[key] !== undefined && m[key] !== null && (typeof m[key] !== "string" || !ID.test(m[key] as string))) return `metadata.${key}: not an id`;
  }
  const limits: Record<string, number> = { role: 40, concept: 120, turn_id: 80 };
  for (const [key, max] of Object.entries(limits)) {
    const v = m[key];
    if (v !== undefined && v !== null && (typeof v !== "string" || len(v) > max)) return `metadata.${key}: at most ${max} characters`;
  }
  const oi = m.option_index;
  if (oi !== undefined && oi !== null) {
    if (!Number.isInteger(oi) || (oi as number) < 0 || (oi as number) > 25) return "metadata.option_index: 0 to 25";
    if (m.question_id === undefined || m.question_id === null) return "metadata: option_index needs a question_id";
  }
  if (m.created_at !== undefined && m.created_at !== null && (!Number.isInteger(m.created_at) || (m.created_at as number) < 0)) return "metadata.created_at: a non-negative integer";
  if (m.is_correct !== undefined && m.is_correct !== null && typeof m.is_correct !== "boolean") return "metadata.is_correct: a boolean";
  return extra(m, META_KEYS, "metadata.");
}

/** Why `value` is not a valid object spec (stored under `key`), or null when it is. */
export function invalidReason(value: unknown, key?: string): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "expected a JSON object";
  const o = value as Record<string, unknown>;
  if (typeof o.id !== "string" || !ID.test(o.id)) return "id: not a valid id";
  if (key !== undefined && o.id !== key) return `stored under key '${key}' but its id is '${o.id}'`;
  if (typeof o.kind !== "string" || !KINDS.includes(o.kind)) return "kind: unknown";
  const problem = extra(o, OBJECT_KEYS, "") ?? checkStyle(o.style) ?? checkMetadata(o.metadata);
  if (problem) return problem;
  for (const k of ["x", "y", "width", "height"]) {
    if (o[k] !== undefined && o[k] !== null && !finite(o[k])) return `${k}: a finite number`;
  }
  if ((finite(o.width) && o.width < 0) || (finite(o.height) && o.height < 0)) return "width and height must be >= 0";
  for (const k of ["text", "latex"]) {
    const v = o[k];
    if (v !== undefined && v !== null && (typeof v !== "string" || len(v) < 1 || len(v) > MAX_TEXT)) return `${k}: 1 to ${MAX_TEXT} characters`;
  }
  if (o.src !== undefined && o.src !== null && (typeof o.src !== "string" || !IMAGE.test(o.src))) return "src: http(s) or an inline raster image";
  let box: { x: number; y: number; w: number; h: number };
  if (BOX_KINDS.has(o.kind)) {
    const missing = ["x", "y", "width", "height"].filter((k) => o[k] === undefined || o[k] === null);
    if (missing.length) return `kind '${o.kind}' needs ${missing.join(", ")}`;
    if (o.points !== undefined && o.points !== null) return `kind '${o.kind}' takes no points`;
    if (!o.width || !o.height) return `kind '${o.kind}' needs a positive width and height`;
    box = { x: o.x as number, y: o.y as number, w: o.width as number, h: o.height as number };
  } else {
    const pts = o.points;
    if (!Array.isArray(pts) || pts.length < MIN_POINTS[o.kind]) return `kind '${o.kind}' needs at least ${MIN_POINTS[o.kind]} points`;
    if (pts.length > MAX_POINTS) return `points: at most ${MAX_POINTS}`;
    if (!pts.every((p) => Array.isArray(p) && p.length === 2 && finite(p[0]) && finite(p[1]))) return "points: pairs of finite numbers";
    const xs = pts.map((p) => p[0] as number);
    const ys = pts.map((p) => p[1] as number);
    box = { x: Math.min(...xs), y: Math.min(...ys), w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys) };
    const given = [o.x, o.y, o.width, o.height];
    if (!given.every((v) => v === undefined || v === null)) {
      const expected = [box.x, box.y, box.w, box.h];
      if (given.some((v, i) => !finite(v) || Math.abs(v - expected[i]) > BOX_TOLERANCE)) return `x, y, width, height of kind '${o.kind}' must be the box of its points`;
    }
  }
  if (o.kind === "text" && (o.text === undefined || o.text === null)) return "kind 'text' needs text";
  if (o.text !== undefined && o.text !== null && !LABELLED.has(o.kind)) return `kind '${o.kind}' takes no text`;
  if ((o.kind === "latex") !== (o.latex !== undefined && o.latex !== null)) return "latex is required for kind 'latex' and allowed nowhere else";
  if ((o.kind === "image") !== (o.src !== undefined && o.src !== null)) return "src is required for kind 'image' and allowed nowhere else";
  if (box.x < 0 || box.y < 0 || box.x + box.w > BOARD_W || box.y + box.h > BOARD_H) return `box leaves the ${BOARD_W}x${BOARD_H} board`;
  return null;
}
