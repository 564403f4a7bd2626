"""Write the contracts the web app's types are generated from (frontend/src/contracts/).

One source for both sides: the REST API's OpenAPI schema (drf-spectacular), the tutor
socket's frames (sessions_app/protocol.py) and the board object spec
(whiteboard_app/specs.py) as JSON Schema. `npm run types` turns them into TypeScript;
tests/browser/test_contracts.py fails when the committed files are stale.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from drf_spectacular.generators import SchemaGenerator

from sessions_app.protocol import client_frame, server_event
from whiteboard_app.specs import EphemeralSpec, ObjectSpec

CONTRACTS_DIR = Path(settings.BASE_DIR) / "frontend" / "src" / "contracts"


def _titled(schema: dict[str, Any], title: str) -> dict[str, Any]:
    return {"title": title, **schema}


def _all_present(schema: dict[str, Any]) -> dict[str, Any]:
    """Server frames are dumped without dropping defaults, so every property is on the
    wire: say so, or the generated types make `type` optional and unions cannot narrow."""
    for model in [schema, *schema.get("$defs", {}).values()]:
        if "properties" in model:
            model["required"] = sorted(model["properties"])
    return schema


# Integer bounds that come from the database backend (Django's integer_field_range), not
# from the API: SQLite's are 64-bit, PostgreSQL's 32-bit.
_DATABASE_BOUNDS = {2**31 - 1, 2**63 - 1}


def _without_database_bounds(node: Any) -> Any:
    """The schema as the API defines it, the same whichever database generated it."""
    if isinstance(node, list):
        return [_without_database_bounds(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "integer" and node.get("maximum") in _DATABASE_BOUNDS:
        node = {k: v for k, v in node.items() if k != "maximum" and not (k == "format" and v == "int64")}
    return {k: _without_database_bounds(v) for k, v in node.items()}


def contracts() -> dict[str, str]:
    """File name -> the text it must hold."""
    schemas = {
        "openapi.schema.json": _without_database_bounds(SchemaGenerator().get_schema(request=None, public=True)),
        "tutor-client.schema.json": _titled(client_frame.json_schema(), "ClientFrame"),
        "tutor-server.schema.json": _titled(_all_present(server_event.json_schema(mode="serialization")), "ServerEvent"),
        "board-object.schema.json": _titled(ObjectSpec.model_json_schema(mode="serialization"), "BoardObject"),
        "board-ephemeral.schema.json": _titled(EphemeralSpec.model_json_schema(mode="serialization"), "BoardEphemeral"),
    }
    return {name: json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
            for name, schema in schemas.items()}


class Command(BaseCommand):
    help = "Write the OpenAPI and JSON Schema contracts into frontend/src/contracts/."

    def handle(self, *args: Any, **options: Any) -> None:
        CONTRACTS_DIR.mkdir(parents=True, exist_ok=True)
        for name, text in contracts().items():
            (CONTRACTS_DIR / name).write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {CONTRACTS_DIR / name}")
