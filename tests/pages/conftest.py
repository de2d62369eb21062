"""Page tests run the real app (AppTest) on a real demo database built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from soteria.demo.build import build_demo
from soteria.store import Store

ROOT = Path(__file__).resolve().parents[2]
PAGE_TIMEOUT = 60  # seconds; AppTest's default of 3 s is too short for a cold page


@pytest.fixture(scope="session")
def app_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("app") / "soteria.duckdb"
    store = Store(path)
    build_demo(store, cases=15_000)
    store.close()
    return path


@pytest.fixture
def open_page(app_db, monkeypatch):
    """Run app.py, switch to a page, and return the AppTest after the page's run."""
    monkeypatch.setenv("SOTERIA_DB", str(app_db))

    def run(page: str, **query: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PAGE_TIMEOUT)
        for key, value in query.items():
            at.query_params[key] = value
        at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


def plotly_specs(at: AppTest) -> list[dict]:
    import json

    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def chart_titles(at: AppTest) -> list[str]:
    """The charts' titles, which a page shows as headings (level 4) above each chart."""
    return [m.value.removeprefix("#### ") for m in at.markdown if m.value.startswith("#### ")]


def param(at: AppTest, key: str) -> str:
    """One query parameter as the address shows it (AppTest gives a list or a string)."""
    value = at.query_params[key]
    return value[-1] if isinstance(value, list) else value


def open_data_table(at: AppTest, stem: str | None = None) -> AppTest:
    """Open a chart's "Data table and downloads for this chart" (built only once opened), or every
    chart's when no stem is given, and rerun."""
    keys = [f"table-{stem}"] if stem else [k for k in at.session_state.keys() if str(k).startswith("table-")]
    assert keys, "no chart on this page"
    for key in keys:
        at.session_state[key] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_tables(at: AppTest) -> list:
    """Every data table the page shows, grids (st.dataframe) and wrapping tables (st.table) alike, in
    page order, as pandas frames."""
    found: list = []

    def walk(node) -> None:
        if getattr(node, "type", None) in {"dataframe", "table"}:
            found.append(node.value)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found
