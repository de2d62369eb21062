"""Real Streamlit sessions without a browser: the app served in this process (so that a test can write to
the same database through the same store, as the app's own pages do) and websocket clients that run a
page and collect what it shows. Used by the concurrency test and benchmarks/bench_concurrency.py."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served_app(db: Path) -> Iterator[str]:
    """Serve app.py on 127.0.0.1 from a thread of this process; yields its URL."""
    from streamlit import config
    from streamlit.web.server import Server

    previous_db = os.environ.get("SOTERIA_DB")
    os.environ["SOTERIA_DB"] = str(db)
    port = _free_port()
    for key, value in {
        "server.headless": True,
        "server.address": "127.0.0.1",
        "server.port": port,
        "server.fileWatcherType": "none",
        "browser.gatherUsageStats": False,
        "server.runOnSave": False,
    }.items():
        config.set_option(key, value)
    server = Server(str(ROOT / "app.py"), is_hello=False)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.start())
            started.set()
            loop.run_until_complete(server.stopped)
        except BaseException as exc:  # noqa: BLE001 - reported to the waiting test
            failure.append(exc)
            started.set()

    thread = threading.Thread(target=run, name="streamlit-server", daemon=True)
    thread.start()
    started.wait(60)
    if failure:
        raise RuntimeError(f"the app did not start: {failure[0]!r}")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    try:
        yield url
    finally:
        loop.call_soon_threadsafe(server.stop)
        thread.join(timeout=30)
        if previous_db is None:
            os.environ.pop("SOTERIA_DB", None)
        else:
            os.environ["SOTERIA_DB"] = previous_db


@dataclass
class PageRun:
    seconds: float
    texts: list[str] = field(default_factory=list)  # markdown bodies, in order
    alerts: list[str] = field(default_factory=list)  # st.error / warning / info bodies
    exceptions: list[str] = field(default_factory=list)
    reruns: int = 0


class Session:
    """One browser-less session: a websocket to the app, as a browser tab has."""

    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        self.ws = connect(
            url.replace("http://", "ws://") + "/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            max_size=None,
            open_timeout=60,
        )

    def run(
        self, query: str = "", page_script_hash: str = "", timeout: float = 300, page_name: str = ""
    ) -> PageRun:
        """Ask for a run of the page (as a browser does on load or rerun, `page_name` its address, e.g.
        "referrals"); wait for it to finish."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_script_hash = page_script_hash
        msg.rerun_script.page_name = page_name
        start = time.monotonic()
        self.ws.send(msg.SerializeToString())
        run = PageRun(0.0)
        while True:
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                raise TimeoutError(f"page run took more than {timeout} s")
            fm = ForwardMsg()
            fm.ParseFromString(self.ws.recv(timeout=left))
            kind = fm.WhichOneof("type")
            if kind == "new_session":  # a new run starts (after an st.rerun too): keep only its output
                run = PageRun(0.0, reruns=run.reruns)
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                element = fm.delta.new_element
                which = element.WhichOneof("type")
                if which == "markdown":
                    run.texts.append(element.markdown.body)
                elif which == "alert":
                    run.alerts.append(element.alert.body)
                elif which == "exception":
                    run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(fm.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    run.reruns += 1
                    continue
                run.seconds = time.monotonic() - start
                return run

    def close(self) -> None:
        self.ws.close()
