"""The house rules that keep layers honest and docs true."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI_MODULES = {"soteria/ui.py", "soteria/ui_access.py", "soteria/ui_charts.py", "soteria/ui_store.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_ui_layer_imports_streamlit():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "soteria").rglob("*.py")
        if str(p.relative_to(ROOT)) not in UI_MODULES and "streamlit" in imported_modules(p)
    ]
    assert offenders == []


def test_the_ui_modules_depend_one_way():
    """ui -> ui_access, ui_charts -> ui_store: the pieces the pages share never import the glue above."""
    allowed = {
        "ui_store": set(),
        "ui_access": {"ui_store"},
        "ui_charts": set(),
        "ui": {"ui_store", "ui_access", "ui_charts"},
    }
    for name, may in allowed.items():
        tree = ast.parse((ROOT / "soteria" / f"{name}.py").read_text())
        used = {
            node.module.removeprefix("soteria.")
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("soteria.ui")
        } | {
            a.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "soteria"
            for a in node.names
            if a.name.startswith("ui")
        }
        assert used <= may, (name, used - may)


def test_sql_lives_only_in_the_storage_module():
    sql = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|CREATE\s+TABLE|UPDATE\s+\w+\s+SET)\b")
    offenders = [
        str(p.relative_to(ROOT))
        for p in list((ROOT / "soteria").rglob("*.py"))
        + list((ROOT / "pages").glob("*.py"))
        + [ROOT / "app.py"]
        if p.name != "storage.py" and sql.search(p.read_text())
    ]
    assert offenders == []


def test_pages_hold_no_sql_or_duckdb():
    for page in (ROOT / "pages").glob("*.py"):
        assert "duckdb" not in imported_modules(page), page


def test_every_page_is_in_the_navigation_and_has_an_apptest():
    app = (ROOT / "app.py").read_text()
    for page in (ROOT / "pages").glob("*.py"):
        assert f'"pages/{page.name}"' in app, f"{page.name} is not in app.py's navigation"
        assert (ROOT / "tests" / "pages" / f"test_{page.name}").exists(), f"no AppTest for {page.name}"


def test_every_cli_command_is_in_the_readme():
    from soteria.cli import command_names

    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"python -m soteria (?:\[--db PATH\] )?([a-z-]+)", readme))
    assert set(command_names()) - documented == set()
