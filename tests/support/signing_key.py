"""A pytest plugin (loaded with -p in pytest.ini, before Django reads its settings): a
random signing key for the test run, so runs with DATABASE_URL or REDIS_URL set (CI)
start without one in the environment, and no key stands in the repository. Server
processes the tests start get it too (tests.support.servers.child_env)."""
import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
