"""Nothing from a file or a user reaches HTML unescaped, or SQL other than as a bound parameter.

Static: no page or module turns HTML on (unsafe_allow_html, st.html, components.html); only the storage
modules talk to DuckDB, and every SQL string they run is a literal, or an f-string whose only holes are
whitelisted identifiers (table names from a fixed list), never a value. Dynamic: a file whose name and
cells carry markup is loaded, and every page element that shows it has HTML off."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from soteria.config import PROJECT_ROOT

SOURCES = [
    PROJECT_ROOT / "app.py",
    *(PROJECT_ROOT / "pages").glob("*.py"),
    *(PROJECT_ROOT / "soteria").rglob("*.py"),
]
STORE = PROJECT_ROOT / "soteria" / "store"  # the only folder that talks to DuckDB
SQL_CALLS = {"execute", "sql", "_rows", "_frame", "executemany", "query"}
# Identifiers interpolated into SQL, each from a fixed whitelist in the code (never from input).
SAFE_HOLES = {"table", "history", "cols", "quoted"}


# The one exception: the UI layer applies the package's own stylesheet, a file with no data and no markup.
STYLESHEET_CALL = "st.html(ACCESSIBILITY_CSS)"


def test_no_page_or_module_turns_html_on() -> None:
    pattern = re.compile(r"unsafe_allow_html\s*=\s*True|\bst\.html\(|components\.v1\.html|components\.html\(")
    offenders = [
        f"{p.relative_to(PROJECT_ROOT)}:{n}"
        for p in SOURCES
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line) and not (STYLESHEET_CALL in line.strip() and "ui" in p.parts)
    ]
    assert offenders == []


def test_the_only_html_is_a_stylesheet_of_css_rules() -> None:
    from soteria.ui import ACCESSIBILITY_CSS

    css = ACCESSIBILITY_CSS.read_text()
    assert ACCESSIBILITY_CSS.suffix == ".css" and "<" not in css  # no markup can close the style element
    assert "url(" not in css and "@import" not in css and "expression(" not in css


def test_only_the_storage_modules_talk_to_duckdb() -> None:
    users = {p for p in SOURCES if re.search(r"^\s*(import duckdb|from duckdb)", p.read_text(), re.M)}
    assert {p for p in users if STORE not in p.parents} == set()


def _string_constants(path: Path) -> set[str]:
    """Module-level names bound to a literal string (a statement written once, e.g. VERSION_SQL)."""
    return {
        target.id
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


STORE_SQL_CONSTANTS = {name for path in STORE.glob("*.py") for name in _string_constants(path)}


def _sql_argument_problems(path: Path) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in SQL_CALLS or not node.args:
            continue
        sql = node.args[0]
        where = f"{path.name}:{node.lineno}"
        if isinstance(sql, ast.Constant) and isinstance(sql.value, str):
            continue
        if isinstance(sql, ast.JoinedStr):
            holes = [v.value for v in sql.values if isinstance(v, ast.FormattedValue)]
            bad = [ast.unparse(h) for h in holes if not (isinstance(h, ast.Name) and h.id in SAFE_HOLES)]
            if bad:
                problems.append(f"{where}: value(s) {bad} formatted into SQL")
            continue
        if isinstance(sql, ast.Name) and node.func.attr in {"_rows", "_frame", "sql", "execute"}:
            # a helper's own parameter (def _rows(self, sql, params)): checked at its callers
            # `sql`: a helper's own parameter, checked at its callers; `statement`: one of MIGRATIONS,
            # constant strings in the module.
            if sql.id in {"sql", "statement"} or sql.id in STORE_SQL_CONSTANTS:
                continue
        problems.append(f"{where}: SQL built at run time ({ast.unparse(sql)[:60]})")
    return problems


def test_every_sql_statement_takes_values_as_bound_parameters() -> None:
    problems = [p for path in SOURCES if STORE in path.parents for p in _sql_argument_problems(path)]
    assert problems == []


def test_the_check_catches_values_formatted_into_sql(tmp_path) -> None:
    bad = tmp_path / "storage.py"
    bad.write_text(
        "def f(cur, name, table):\n"
        "    cur.execute(f\"SELECT * FROM areas WHERE area_name = '{name}'\")\n"
        "    cur.execute('SELECT * FROM areas WHERE area_name = %s' % name)\n"
        "    cur.execute(f'DELETE FROM {table}')\n"
        "    cur.execute('SELECT ?', [name])\n"
    )
    found = _sql_argument_problems(bad)
    assert len(found) == 2 and "name" in found[0] and "run time" in found[1]


def test_markup_from_a_file_is_shown_as_text_on_every_page(store, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    from soteria.ingest.extract import read_extract
    from soteria.ingest.load import commit, preview
    from tests.pages.conftest import PAGE_TIMEOUT, ROOT

    name = "<script>alert('file')</script><img src=x onerror=alert(2)>.csv"
    data = b"area_code,month,metric,value\nE23000014,2024-07,referrals,41\n"
    parsed = read_extract(data, name, store.areas(), None)
    commit(store, parsed, "<b>evaluator</b>", preview(store, parsed))
    monkeypatch.setenv("SOTERIA_DB", str(store.path))
    store.close()
    from soteria.store import close_stores

    close_stores()
    shown = 0
    for page in ("overview", "extracts"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PAGE_TIMEOUT)
        at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception
        for element in [*at.markdown, *at.title, *at.subheader, *at.caption, *at.error, *at.info]:
            assert not getattr(element.proto, "allow_html", False), (page, element.value)
            shown += "<script>" in element.value
    assert shown >= 1  # the name is on a page, as text
    close_stores()


def test_every_page_runs_the_gate_and_change_pages_require_the_role() -> None:
    """Server-side checks cannot be forgotten: every page starts with ui.page_header (which runs
    the gate: sign-in, role, local-mode address), and every page that changes data calls
    ui_access.require("change_data") before anything else it does."""
    change_pages = {"upload.py", "extracts.py", "pilot_register.py"}
    for page in (PROJECT_ROOT / "pages").glob("*.py"):
        calls = [
            ast.unparse(node.value.func)
            for node in ast.parse(page.read_text()).body
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
        ]
        assert calls and calls[0] == "ui.page_header", page.name
        if page.name in change_pages:
            assert calls[1:2] == ["ui_access.require"], page.name
