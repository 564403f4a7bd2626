import { describe, expect, it } from "vitest";
import { moved, shape, simplify, textObject } from "../board/tools";
import { invalidReason } from "../board/validate";

describe("learner tools write valid objects", () => {
  it("a pen stroke is simplified, capped and valid", () => {
    const pts: [number, number][] = Array.from({ length: 5000 }, (_, i) => [100 + (i % 1400), 100 + Math.floor(i / 1400) * 3]);
    const stroke = shape("pen", "u1-pen", pts[0], pts[pts.length - 1], pts)!;
    expect(stroke.points!.length).toBeLessThanOrEqual(2000);
    expect(invalidReason(stroke, stroke.id)).toBeNull();
    expect(simplify([[0, 0], [0.5, 0], [1, 0], [3, 0]])).toEqual([[0, 0], [3, 0]]);
  });

  it("shapes are clamped to the board and tagged as the learner's", () => {
    const rect = shape("rect", "u1-r", [1500, 900], [1700, 1200], [])!;
    expect(rect).toMatchObject({ kind: "rect", x: 1500, y: 900, width: 100, height: 100, metadata: { source: "user" } });
    expect(invalidReason(rect, rect.id)).toBeNull();
    const arrow = shape("arrow", "u1-a", [10, 10], [200, 90], [])!;
    expect(invalidReason(arrow, arrow.id)).toBeNull();
    expect(shape("ellipse", "u1-e", [10, 10], [11, 11], [])).toBeNull();
  });

  it("text fits inside the board and a moved object stays valid", () => {
    const text = textObject("u1-t", [1590, 990], "A long note about the Calvin cycle")!;
    expect(invalidReason(text, text.id)).toBeNull();
    const arrow = shape("arrow", "u1-a", [10, 10], [200, 90], [])!;
    const far = moved(arrow, 5000, -5000);
    expect(invalidReason(far, far.id)).toBeNull();
  });
});
