"""A schema-driven fuzz run of the REST API (SPEC 12): schemathesis generates requests from the
OpenAPI schema of a live Daphne for about a minute and fails on any 5xx or any response
that does not match the schema."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import access_token
FUZZ_SECONDS = 60


@pytest.mark.timeout(FUZZ_SECONDS + 120)
def test_the_rest_api_answers_every_generated_request_without_5xx_and_as_its_schema_says(
    live_server_url, learner, tmp_path
):
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{live_server_url}/api/schema/",
         "--checks", "not_a_server_error,response_schema_conformance", "--max-time", str(FUZZ_SECONDS),
         "--workers", "1", "--max-failures", "20", "--request-timeout", "30",
         "--header", f"Authorization: Bearer {access_token(learner)}"],
        cwd=tmp_path, env={**os.environ, "NO_COLOR": "1"}, capture_output=True, text=True, timeout=FUZZ_SECONDS + 90,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout

