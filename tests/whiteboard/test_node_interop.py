"""The stock y-websocket JavaScript client (npm, under Node) and the Python client edit
one room through the server and converge."""
import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.whiteboard.helpers import connected, spec, until

NODE_DIR = Path(__file__).resolve().parents[2] / "bench" / "node"
pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


def test_the_stock_js_client_and_the_python_client_converge(server, tutor_session, token):
    assert (NODE_DIR / "node_modules" / "y-websocket").is_dir(), "run: npm ci --prefix bench/node"
    server_url = server.base.rstrip("/")

    async def scenario():
        (python,) = await connected(server.url(tutor_session.pk, token))
        for n in range(10):
            python.objects[f"py-{n}"] = spec(f"py-{n}", n)
        node = await asyncio.create_subprocess_exec(
            "node", str(NODE_DIR / "edit.js"), server_url, str(tutor_session.pk), token, "js", "10", "20",
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(node.communicate(), 30)
        assert node.returncode == 0, err.decode()
        await until(lambda: len(python.objects) == 20)
        seen_by_node = json.loads(out)
        assert seen_by_node == python.objects.to_py()
        assert {k for k in seen_by_node if k.startswith("js-")} == {f"js-{n}" for n in range(10)}
        await python.close()

    asyncio.run(scenario())
