import json

import pytest

from whiteboard_app.specs import KINDS, SpecError, bbox, object_spec_json_schema, parse_ephemeral, parse_object

BOX = {"x": 10, "y": 20, "width": 100, "height": 50}
META = {"metadata": {"source": "assistant", "group_id": "g1", "turn_id": "7"}}
ONE_OF_EACH = {
    "rect": {**BOX},
    "ellipse": {**BOX},
    "text": {**BOX, "text": "hello"},
    "latex": {**BOX, "latex": r"\frac{a}{b}"},
    "image": {**BOX, "src": "https://example.org/a.png"},
    "group": {**BOX},
    "line": {"points": [[0, 0], [100, 0]]},
    "arrow": {"points": [[0, 0], [50, 50]]},
    "path": {"points": [[0, 0], [10, 5], [20, 0]]},
    "polygon": {"points": [[0, 0], [10, 0], [5, 8]]},
}


def test_it_accepts_one_object_of_every_kind():
    assert set(ONE_OF_EACH) == set(KINDS)
    for kind, fields in ONE_OF_EACH.items():
        spec = parse_object({"id": f"o-{kind}", "kind": kind, **fields, **META})
        assert spec.kind == kind
        assert json.loads(json.dumps(spec.to_json())) == spec.to_json()


def test_it_derives_the_box_of_point_kinds_from_their_points():
    spec = parse_object({"id": "a", "kind": "arrow", "points": [[30, 40], [10, 90]], **META})
    assert (spec.x, spec.y, spec.width, spec.height) == (10, 40, 20, 50)
    with pytest.raises(SpecError, match="must be the box of its points"):
        parse_object({"id": "a", "kind": "arrow", "points": [[30, 40], [10, 90]], "x": 0, "y": 0,
                      "width": 5, "height": 5, **META})


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"kind": "text", **BOX}, "kind 'text' needs text"),
        ({"kind": "rect", "x": 1, "y": 1}, "needs width, height"),
        ({"kind": "line", "points": [[1, 1]]}, "needs at least 2 points"),
        ({"kind": "polygon", "points": [[1, 1], [2, 2]]}, "needs at least 3 points"),
        ({"kind": "rect", "x": 1590, "y": 0, "width": 20, "height": 10}, "leaves the 1600x1000 board"),
        ({"kind": "rect", **BOX, "style": {"fill": "red;}<script>"}}, "is not a colour"),
        ({"kind": "rect", **BOX, "latex": "x"}, "allowed nowhere else"),
        ({"kind": "image", **BOX, "src": "javascript:alert(1)"}, "src"),
        ({"kind": "arrow", "points": [[0, 0], [1, 1]], "text": "x"}, "takes no text"),
        ({"kind": "star", **BOX}, "kind"),
        ({"kind": "rect", **BOX, "x": float("nan")}, "x"),
    ],
)
def test_it_rejects_broken_objects_with_a_reason(data, reason):
    with pytest.raises(SpecError, match=reason) as caught:
        parse_object({"id": "bad", **META, **data})
    assert str(caught.value).startswith("object 'bad':")


def test_it_requires_a_question_for_an_option_index_and_a_known_source():
    with pytest.raises(SpecError, match="option_index needs a question_id"):
        parse_object({"id": "o", "kind": "rect", **BOX, "metadata": {"source": "assistant", "option_index": 1}})
    with pytest.raises(SpecError, match="metadata.source"):
        parse_object({"id": "o", "kind": "rect", **BOX, "metadata": {"source": "robot"}})


def test_it_rejects_unknown_fields_and_a_key_that_differs_from_the_id():
    with pytest.raises(SpecError, match="onclick: Extra inputs are not permitted"):
        parse_object({"id": "o", "kind": "rect", **BOX, **META, "onclick": "x"})
    with pytest.raises(SpecError, match="stored under key 'other'"):
        parse_object({"id": "o", "kind": "rect", **BOX, **META}, key="other")
    with pytest.raises(SpecError, match="expected a JSON object"):
        parse_object("rect", key="k")


def test_bbox_gives_lines_room_for_their_stroke():
    line = parse_object({"id": "l", "kind": "line", "points": [[10, 50], [110, 50]],
                         "style": {"strokeWidth": 6}, **META})
    box = bbox(line)
    assert (box.x, box.y, box.width, box.height) == (7, 47, 106, 6)
    rect = parse_object({"id": "r", "kind": "rect", **BOX, **META})
    assert bbox(rect).rounded() == (10, 20, 100, 50)


def test_it_validates_ephemeral_entries():
    entry = parse_ephemeral({"id": "p1", "kind": "pointer", "x": 5, "y": 5, "color": "#ff0000",
                             "expiresAt": 1_700_000_000_000.0, "source": "user"}, key="p1")
    assert entry.expiresAt == 1_700_000_000_000
    with pytest.raises(SpecError, match="expiresAt"):
        parse_ephemeral({"id": "p1", "kind": "pointer", "x": 5, "y": 5, "color": "red", "source": "user"})


def test_the_published_json_schema_describes_the_server_model():
    schema = object_spec_json_schema()
    assert set(schema["required"]) == {"id", "kind", "metadata"}
    assert set(schema["properties"]["kind"]["enum"]) == set(KINDS)
    assert schema["additionalProperties"] is False
    assert "Metadata" in schema["$defs"] and "Style" in schema["$defs"]
    json.dumps(schema)  # plain JSON, for the web app's generated types
