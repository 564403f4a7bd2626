// The board object type, generated from whiteboard_app/specs.py (points typed as pairs).
import type { ObjectSpec } from "../contracts/board-object";

export type BoardObject = Omit<ObjectSpec, "points"> & { points?: [number, number][] | null };
