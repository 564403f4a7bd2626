// The board renderer, text fitting and validation against the server's own code
// (fixtures computed by tests/browser/parity.py from boards_app/svg.py, textfit.py, specs.py).
import { describe, expect, it } from "vitest";
import render from "./fixtures/render.json";
import textfit from "./fixtures/textfit.json";
import validation from "./fixtures/validation.json";
import { objectNode, paintOrder, type VNode } from "../board/render";
import type { BoardObject } from "../board/spec";
import { textSize, wrapText } from "../board/textfit";
import { invalidReason } from "../board/validate";

describe("text fitting matches whiteboard_app/textfit.py", () => {
  it.each(textfit.map((c) => [JSON.stringify(c.text).slice(0, 40), c.font, c.width, c]))("%s at %s px in %s", (_t, _f, _w, c) => {
    expect(wrapText(c.text, c.font, c.width)).toEqual(c.lines);
    expect(textSize(c.text, c.font, c.width)[1]).toBeCloseTo(c.size[1], 9);
    expect(textSize(c.text, c.font, c.width)[0]).toBeCloseTo(c.size[0], 9);
  });
});

describe("the SVG of every kind matches boards_app/svg.py", () => {
  const objects = render.objects as unknown as BoardObject[];
  it.each(objects.map((o, i) => [o.kind, o.id, i]))("%s %s", (_kind, id) => {
    const expected = render.nodes.find((n) => n.attrs["data-id"] === id) as unknown as VNode;
    const actual = objectNode(objects.find((o) => o.id === id)!);
    expect(JSON.parse(JSON.stringify(actual))).toEqual(expected);
  });

  it("paints in the export's order", () => {
    expect([...objects].sort(paintOrder).map((o) => o.id)).toEqual(render.order);
  });
});

describe("validation agrees with whiteboard_app/specs.py", () => {
  it.each(validation.map((c, i) => [i, c.object.kind, c.valid, c]))("case %i (%s) valid=%s", (_i, _k, valid, c) => {
    const reason = invalidReason(c.object, (c.object as { id: string }).id);
    expect(reason === null).toBe(valid);
  });
});
