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


def contracts() -> dict[str, str]:
    """File name -> the text it must hold."""
    schemas = {
        "openapi.schema.json": SchemaGenerator().get_schema(request=None, public=True),
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
