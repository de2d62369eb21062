"""`serve`: the dashboard from N Streamlit processes behind HAProxy, on one address.

Why several processes: every session's page runs share one Python interpreter's CPU, so on a 2-core
machine one process uses one core. HAProxy (Debian's package, installed by scripts/setup.sh) spreads
new browsers over the processes and keeps each on its own (a cookie, SOTERIA_SERVER: Streamlit's
websocket, uploads and media files live in one process). All processes share one cookie secret, so
sign-in and Streamlit's XSRF cookies hold whichever process a browser reaches. The database is shared
through published read-only snapshots (soteria.store.shared): before any process starts, this command
opens the database once for writing (building the demo data into an empty one, migrating, making the
disclosure-control secret) and publishes the first snapshot.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Annotated

import typer

from soteria.cli.common import app, fail
from soteria.config import PROJECT_ROOT


def prepare(db: Path) -> Path:
    """Open the database for writing once (demo data into an empty one), close it, publish a snapshot."""
    from soteria.demo.build import ensure_demo
    from soteria.store import Store
    from soteria.store.shared import publish, write_lock

    with write_lock(db):
        store = Store(db)
        try:
            ensure_demo(store)
        finally:
            store.close()
        return publish(db)


def haproxy_config(address: str, port: int, backends: list[int]) -> str:
    """HAProxy in front of the processes: sticky by cookie, websockets kept open, health-checked."""
    servers = "\n".join(f"    server s{i} 127.0.0.1:{p} check cookie s{i}" for i, p in enumerate(backends, 1))
    return f"""global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
    option forwardfor

frontend soteria
    bind {address}:{port}
    default_backend streamlit

backend streamlit
    balance leastconn
    cookie SOTERIA_SERVER insert indirect nocache httponly
    option httpchk GET /_stcore/health
{servers}
"""


def _healthy(url: str, deadline: float, proc: subprocess.Popen[bytes] | None = None) -> bool:
    while time.monotonic() < deadline and (proc is None or proc.poll() is None):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def _free_ports(n: int) -> list[int]:
    import socket

    sockets = [socket.socket() for _ in range(n)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)


def start(
    db: Path,
    processes: int,
    address: str,
    port: int,
    run_dir: Path,
    cookie_secret: str,
    secrets_file: Path | None = None,
) -> list[subprocess.Popen[bytes]]:
    """Start the Streamlit processes (each on a port of its own on 127.0.0.1) and HAProxy in front;
    returns them, HAProxy last, once every one answers its health check."""
    haproxy = haproxy_binary()
    if haproxy is None:
        raise RuntimeError("HAProxy is not installed: run scripts/setup.sh (Debian package haproxy)")
    run_dir.mkdir(parents=True, exist_ok=True)
    ports = _free_ports(processes)
    env = {
        **os.environ,
        "SOTERIA_DB": str(db),
        "SOTERIA_SHARED": "1",
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1"),
        "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret,  # Streamlit takes it only from here or a file
    }
    started: list[subprocess.Popen[bytes]] = []
    for i, backend in enumerate(ports, 1):
        log = (run_dir / f"streamlit-{i}.log").open("wb")
        started.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    str(PROJECT_ROOT / "app.py"),
                    "--server.headless",
                    "true",
                    "--server.address",
                    "127.0.0.1",
                    "--server.port",
                    str(backend),
                    "--browser.gatherUsageStats",
                    "false",
                    *(["--secrets.files", str(secrets_file)] if secrets_file else []),
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 180
    for backend, proc in zip(ports, started, strict=True):
        if not _healthy(f"http://127.0.0.1:{backend}", deadline, proc):
            stop(started)
            raise RuntimeError(f"a dashboard process did not start (see {run_dir})")
    config = run_dir / "haproxy.cfg"
    config.write_text(haproxy_config(address, port, ports))
    log = (run_dir / "haproxy.log").open("wb")
    balancer = subprocess.Popen([haproxy, "-f", str(config), "-db"], stdout=log, stderr=subprocess.STDOUT)
    started.append(balancer)
    if not _healthy(f"http://{address}:{port}", time.monotonic() + 30, balancer):
        stop(started)
        raise RuntimeError(f"HAProxy did not start on {address}:{port} (see {run_dir / 'haproxy.log'})")
    return started


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for proc in reversed(processes):
        proc.terminate()
    for proc in processes:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@app.command()
def serve(
    ctx: typer.Context,
    processes: Annotated[int, typer.Option("--processes", min=1, max=32, help="Streamlit processes.")] = 2,
    port: Annotated[int, typer.Option("--port", help="The one address's port.")] = 8501,
    address: Annotated[str, typer.Option("--address", help="Where HAProxy listens.")] = "127.0.0.1",
    secrets_file: Annotated[
        Path | None, typer.Option("--secrets", help="Streamlit secrets (sign-in) for every process.")
    ] = None,
) -> None:
    """Serve the dashboard from several processes behind HAProxy (sticky sessions, one cookie secret,
    the database shared through published snapshots); stops them all on Ctrl-C."""
    db: Path = ctx.obj
    cookie_secret = os.environ.get("SOTERIA_COOKIE_SECRET") or secrets.token_urlsafe(48)
    try:
        prepare(db)
        run_dir = db.with_name(f"{db.stem}.serve")
        running = start(db, processes, address, port, run_dir, cookie_secret, secrets_file)
    except RuntimeError as exc:
        fail(f"error: {exc}")
    typer.echo(f"Serving {db} from {processes} processes at http://{address}:{port} (Ctrl-C stops them)")

    def finish(*_: object) -> None:
        stop(running)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    while all(p.poll() is None for p in running):
        time.sleep(0.5)
    stop(running)
    fail("error: a dashboard process or HAProxy stopped; every process was stopped (see the logs in "
         f"{db.with_name(db.stem + '.serve')})")  # fmt: skip
