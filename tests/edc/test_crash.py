"""kill -9 of the server under concurrent writers: nothing acknowledged is lost, retries with
their idempotency keys create nothing twice, and the audit trail verifies (SQLite file and
PostgreSQL, a real uvicorn process).

Bounded: 8 writers for about 2 seconds before the kill, then every request that got no
answer is retried once the server is back. Long runs belong in a benchmark, not here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from oncotrial.cli import app
from oncotrial.settings import get_settings

from .conftest import ELIGIBLE

pytestmark = pytest.mark.slow
runner = CliRunner()
WRITERS = 8
RUN_BEFORE_KILL_S = 2.0
PASSWORD = "crash-test-Passw0rd-7Qx"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``oncotrial serve``-like: uvicorn with create_app, one process, restartable."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env, self.port = folder, env, _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = (self.folder / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "oncotrial.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning"],
            cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.base}/docs", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None and time.monotonic() < deadline, (
                self.folder / "server.log"
            ).read_text()
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(params=["sqlite-file", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite-file":
        yield f"sqlite:///{tmp_path / 'edc.db'}"
        return
    import secrets

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from oncotrial.edc import make_engine

    base = make_url(request.getfixturevalue("postgres_url"))
    name = f"oncotrial_crash_{secrets.token_hex(4)}"
    admin = make_engine(base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _cli(*args: str, env: dict[str, str]) -> str:
    get_settings.cache_clear()  # the CLI reads its settings from this env
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


BODY = {"site_code": "101", "consent_date": "2024-01-02", "screening_date": "2024-01-03", "values": ELIGIBLE}


def test_nothing_acknowledged_is_lost_and_retries_create_nothing_twice(database: str, tmp_path: Path):
    key_file = tmp_path / "audit.key"
    env = {"ONCOTRIAL_DATABASE_URL": database, "ONCOTRIAL_AUDIT_KEY_FILE": str(key_file),
           "ONCOTRIAL_SECRET_KEY": "crash-test-secret-0123456789"}  # fmt: skip
    _cli("db", "init", "--database-url", database, "--audit-key-file", str(key_file), env=env)
    _cli("site", "add", "101", "Site A", "--database-url", database, env=env)
    get_settings.cache_clear()
    runner.invoke(
        app,
        ["user", "add", "coord", "--role", "site_coordinator", "--site", "101", "--database-url", database],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env=env,
    )
    server = Server(tmp_path, {**os.environ, **env})
    server.start()
    try:
        token = httpx.post(
            f"{server.base}/api/auth/login", json={"username": "coord", "password": PASSWORD}, timeout=10
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        acknowledged: dict[str, int] = {}
        unanswered: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()

        def writer(w: int) -> None:
            n = 0
            with httpx.Client(base_url=server.base, headers=headers, timeout=10) as client:
                while not stop.is_set():
                    key = f"w{w}-{n}"
                    n += 1
                    try:
                        answer = client.post("/api/subjects", json=BODY, headers={"Idempotency-Key": key})
                    except httpx.HTTPError:
                        with lock:
                            unanswered.append(key)
                        return  # the server is gone
                    assert answer.status_code in (200, 201), answer.text
                    with lock:
                        acknowledged[key] = answer.json()["id"]

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
        for t in threads:
            t.start()
        time.sleep(RUN_BEFORE_KILL_S)
        server.kill()  # kill -9 while requests are in flight
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert acknowledged, "no write was acknowledged before the kill"

        server.start()  # the same database, a new process
        with httpx.Client(base_url=server.base, headers=headers, timeout=10) as client:
            for key in unanswered:  # a client retries what got no answer, with the same key
                answer = client.post("/api/subjects", json=BODY, headers={"Idempotency-Key": key})
                assert answer.status_code in (200, 201), answer.text
                acknowledged[key] = answer.json()["id"]
            stored = {s["id"] for s in client.get("/api/subjects").json()}
        assert set(acknowledged.values()) <= stored  # every acknowledged write is there
        assert len(stored) == len(set(acknowledged.values())) == len(acknowledged)  # and nothing twice
    finally:
        server.stop()
    get_settings.cache_clear()
    verified = runner.invoke(app, ["audit", "verify", "--database-url", database], env=env)
    assert verified.exit_code == 0, verified.output
