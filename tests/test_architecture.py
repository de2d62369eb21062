"""The house rules that keep layers honest and docs true."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The layers, bottom up. A module may import its own folder and the folders listed for it, never the other
# way: pages/ and app.py -> soteria/ui -> the domain folders -> soteria/store -> the vocabulary.
VOCABULARY = {"soteria.domain", "soteria.config", "soteria.auth", "soteria.reference"}
DOMAIN = {"ingest", "demo", "disclosure", "engine", "analysis", "evaluation", "charts", "outputs"}
MAY_IMPORT: dict[str, set[str]] = {
    "vocabulary": set(),
    "store": {"vocabulary"},
    "disclosure": {"vocabulary"},
    "engine": {"vocabulary"},
    "ingest": {"vocabulary", "store"},
    "demo": {"vocabulary", "store"},
    "analysis": {"vocabulary", "disclosure", "engine"},
    "evaluation": {"vocabulary", "disclosure", "engine", "analysis"},
    "charts": {"vocabulary", "disclosure", "engine", "analysis", "evaluation"},
    "outputs": {"vocabulary", "store", "disclosure", "engine", "analysis", "evaluation", "charts"},
    "cli": {
        "vocabulary",
        "store",
        "ingest",
        "demo",
        "disclosure",
        "engine",
        "analysis",
        "evaluation",
        "outputs",
    },
    "ui": DOMAIN | {"vocabulary", "store"},
    # The pages reach the store, the loaders and the demo only through the UI layer.
    "pages": DOMAIN | {"vocabulary", "ui"},
}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def layer(module: str) -> str:
    if module in VOCABULARY or module in {"soteria", "soteria.__main__"}:
        return "vocabulary" if module in VOCABULARY else "entry"
    parts = module.split(".")
    if parts[0] in {"pages", "app"}:
        return "pages"
    return parts[1]


def soteria_imports(path: Path) -> set[str]:
    """Every soteria module this file imports, at the top or inside a function."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("soteria"))
        elif (
            isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("soteria")
        ):
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.add(sub if module_file(sub) else node.module)
    return found


def module_file(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def all_modules() -> dict[str, Path]:
    files = [*(ROOT / "soteria").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]
    return {module_name(p): p for p in files}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_module_belongs_to_a_known_layer():
    unknown = {m for m in all_modules() if layer(m) not in {*MAY_IMPORT, "entry"}}
    assert unknown == set()


def test_layers_depend_one_way():
    wrong = []
    for module, path in all_modules().items():
        own = layer(module)
        if own == "entry":
            continue
        for target in soteria_imports(path):
            theirs = layer(target)
            if theirs != own and theirs not in MAY_IMPORT[own]:
                wrong.append(f"{module} ({own}) imports {target} ({theirs})")
    assert wrong == [], "\n".join(wrong)


def test_no_import_cycles():
    """Between modules, counting imports inside functions too (a package's __init__ re-exports aside)."""
    modules = all_modules()
    graph = {
        m: {t for t in soteria_imports(p) if t in modules and t != m and not m.startswith(t + ".")}
        for m, p in modules.items()
    }
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                cycles.append(" -> ".join([*trail[trail.index(t) :], t]) if t in trail else f"{m} -> {t}")
            elif t not in state:
                visit(t, [*trail, t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == [], "\n".join(cycles)


def test_only_the_ui_layer_imports_streamlit():
    offenders = [
        m
        for m, p in all_modules().items()
        if layer(m) not in {"ui", "pages"} and "streamlit" in imported_modules(p)
    ]
    assert offenders == [], offenders


def test_no_private_name_is_used_outside_its_module():
    """`from x import _name` and `x._name` across modules: a private name is the module's own business."""
    modules = all_modules()
    used = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text())
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("soteria"):
                for a in node.names:
                    if a.name.startswith("_") and not a.name.startswith("__"):
                        used.append(f"{module}: from {node.module} import {a.name}")
                    if f"{node.module}.{a.name}" in modules:
                        aliases[a.asname or a.name] = f"{node.module}.{a.name}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("soteria"):
                        aliases[a.asname or a.name] = a.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                used.append(f"{module}: {aliases[node.value.id]}.{node.attr}")
    assert used == [], "\n".join(used)


def test_no_module_is_over_400_lines():
    long = {m: n for m, p in all_modules().items() if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}, long


def test_no_streamlit_internals():
    """Only streamlit's public API: nothing from streamlit.runtime, streamlit.web or other private parts."""
    public = {"streamlit", "streamlit.testing.v1", "streamlit.components.v1"}
    offenders = []
    for module, path in all_modules().items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{module}: {n}" for n in names if n.startswith("streamlit") and n not in public]
    assert offenders == [], offenders


def test_sql_lives_only_in_the_store():
    sql = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|CREATE\s+TABLE|UPDATE\s+\w+\s+SET)\b")
    offenders = [
        str(p.relative_to(ROOT))
        for p in list((ROOT / "soteria").rglob("*.py"))
        + list((ROOT / "pages").glob("*.py"))
        + [ROOT / "app.py"]
        if "store" not in p.relative_to(ROOT).parts and sql.search(p.read_text())
    ]
    assert offenders == [], offenders


def test_pages_hold_no_sql_or_duckdb():
    for page in (ROOT / "pages").glob("*.py"):
        assert "duckdb" not in imported_modules(page), page


def test_every_page_is_in_the_navigation_and_has_an_apptest():
    from soteria.ui.navigation import PAGES

    listed = {path for path, _, _ in PAGES}
    for page in (ROOT / "pages").glob("*.py"):
        assert f"pages/{page.name}" in listed, (
            f"{page.name} is not in the navigation (soteria/ui/navigation.py)"
        )
        assert (ROOT / "tests" / "pages" / f"test_{page.name}").exists(), f"no AppTest for {page.name}"


def test_every_cli_command_is_in_the_readme():
    from soteria.cli.main import command_names

    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"python -m soteria (?:\[--db PATH\] )?([a-z-]+)", readme))
    assert set(command_names()) - documented == set()
