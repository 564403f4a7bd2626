"""The web app's pure modules (Vitest) and the generated files they depend on."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from sessions_app.management.commands.write_contracts import CONTRACTS_DIR, contracts
from tests.browser import parity
from tests.support.servers import ROOT

FRONTEND = ROOT / "frontend"


def test_the_committed_contracts_match_the_server_models_and_api():
    stale = [name for name, text in contracts().items()
             if not (CONTRACTS_DIR / name).exists() or (CONTRACTS_DIR / name).read_text(encoding="utf-8") != text]
    assert not stale, f"stale: {stale}; run `.venv/bin/python manage.py write_contracts`"


def test_the_committed_parity_cases_match_the_server_code():
    stale = [name for name, text in parity.fixtures().items()
             if not (parity.FIXTURES / name).exists() or (parity.FIXTURES / name).read_text(encoding="utf-8") != text]
    assert not stale, f"stale: {stale}; run `.venv/bin/python -m tests.browser.parity`"


def test_the_pure_modules_pass_vitest():
    if not shutil.which("npx") or not (FRONTEND / "node_modules" / ".bin" / "vitest").exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but the web app's dependencies are not installed (scripts/bootstrap.sh)")
        pytest.skip("Node or frontend/node_modules missing (scripts/bootstrap.sh installs them)")
    result = subprocess.run(["npx", "vitest", "run", "--reporter=dot"], cwd=FRONTEND, capture_output=True, text=True,
                            timeout=240, env={**os.environ, "CI": "1", "NO_COLOR": "1"})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout
