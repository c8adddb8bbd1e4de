"""Run the application under uvicorn on a free localhost port against a fresh SQLite file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from oncotrial.edc import make_engine, make_sessionmaker
from oncotrial.edc.store.migrate import upgrade
from tests.web.conftest import seed_trial


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(folder: Path) -> str:
    """Migrate a new SQLite file to the current schema and seed the trial, sites and users."""
    url = f"sqlite:///{folder / 'oncotrial.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed_trial(make_sessionmaker(engine))
    engine.dispose()
    return url


@contextmanager
def running_server(folder: Path, database_url: str, *, session_lifetime_s: int = 3600) -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of a uvicorn process serving ``create_app``; stopped on exit."""
    port = free_port()
    env = {
        **os.environ,
        "ONCOTRIAL_DATABASE_URL": database_url,
        "ONCOTRIAL_SECRET_KEY": "browser-test-secret-0123456789",
        "ONCOTRIAL_SESSION_LIFETIME_S": str(session_lifetime_s),
    }
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "oncotrial.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {folder / 'server.log'}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
