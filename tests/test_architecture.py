"""The layers of docs/ARCHITECTURE.md hold: imports go down, no Flask below the faces, no cycle."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tablecloth"
CODE_MAP = ROOT / "docs" / "ARCHITECTURE.md"
FLASK = {"flask", "flask_babel", "flask_wtf", "werkzeug", "click"}

# Top to bottom, as the picture in docs/ARCHITECTURE.md; a module's layer is the first
# whose prefix its dotted name starts with.
LAYERS = [
    ("command line", ["tablecloth.cli"]),
    ("app", ["tablecloth", "tablecloth.server"]),
    ("web", ["tablecloth.web"]),
    ("glue", ["tablecloth.context", "tablecloth.i18n"]),
    ("services", ["tablecloth.services"]),
    ("data", ["tablecloth.db", "tablecloth.models", "tablecloth.versions",
              "tablecloth.ratelimit", "tablecloth.storage"]),
    ("core", ["tablecloth.codes", "tablecloth.images", "tablecloth.qr", "tablecloth.qr_penalty",
              "tablecloth.names",
              "tablecloth.printers", "tablecloth.layout", "tablecloth.render",
              "tablecloth.verify"]),
    ("foundations", ["tablecloth.errors", "tablecloth.messages", "tablecloth.config"]),
]
# The two sanctioned exceptions the code map names.
FLASK_ALLOWED = {"tablecloth.db": {"flask"}, "tablecloth.services.accounts": {"werkzeug"}}


@cache
def modules() -> dict[str, tuple[Path, bool]]:
    """Return every module of the package (migrations aside) by dotted name."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.relative_to(PACKAGE).parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


@cache
def imports(name: str) -> tuple[set[str], set[str]]:
    """Return (tablecloth modules, outside top-level packages) that a module imports."""
    path, is_package = modules()[name]
    package = name if is_package else name.rsplit(".", 1)[0]
    inner, outer = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            submodules = [f"{source}.{a.name}" for a in node.names
                          if f"{source}.{a.name}" in modules()]
            targets = submodules + ([source] if len(submodules) < len(node.names) else [])
        else:
            continue
        for target in targets:
            if target.split(".")[0] == "tablecloth":
                # `import tablecloth.x.y` names the deepest module that exists.
                while target not in modules() and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target != name:
                    inner.add(target)
            else:
                outer.add(target.split(".")[0])
    return inner, outer


def layer(name: str) -> int:
    """Return the index of a module's layer, 0 the top."""
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            # The package itself (create_app) is its own layer, not every module's.
            if name == prefix or (prefix != "tablecloth" and name.startswith(prefix + ".")):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    assert best is not None, f"{name} belongs to no layer: add it to LAYERS and the code map"
    return best[0]


def test_every_module_has_its_line_in_the_code_map():
    text = CODE_MAP.read_text(encoding="utf-8")
    missing = sorted(str(path.relative_to(ROOT)) for path, _ in modules().values()
                     if f"`{path.relative_to(ROOT).as_posix()}`" not in text)
    assert not missing, f"add a line for each to docs/ARCHITECTURE.md: {missing}"
    listed = {line.split("`")[1] for line in text.splitlines() if line.startswith("- `")}
    gone = sorted(p for p in listed if not (ROOT / p).exists())
    assert not gone, f"the code map lists modules that no longer exist: {gone}"


def upward_arrows(graph: dict[str, set[str]]) -> list[str]:
    """Return each import that points up the layers."""
    return [f"{name} -> {target}" for name, targets in sorted(graph.items())
            for target in sorted(targets) if layer(target) < layer(name)]


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """Return one import cycle as a path of module names, or an empty list."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(name: str, path: list[str]) -> list[str]:
        state[name] = 1
        for target in sorted(graph.get(name, ())):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state:
                cycle = visit(target, path + [target])
                if cycle:
                    return cycle
        state[name] = 2
        return []

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name, [name])
            if cycle:
                return cycle
    return []


def real_graph() -> dict[str, set[str]]:
    """Return the package's import graph."""
    return {name: imports(name)[0] for name in modules()}


def test_imports_only_go_down_the_layers():
    assert not upward_arrows(real_graph())


@pytest.mark.parametrize("name", sorted(modules()))
def test_nothing_below_the_faces_imports_flask(name):
    if layer(name) <= layer("tablecloth.context"):  # the faces and their glue
        return
    flask = imports(name)[1] & FLASK
    assert flask <= FLASK_ALLOWED.get(name, set()), f"{name} imports {sorted(flask)}"


def test_the_web_writes_no_query():
    for name in modules():
        if layer(name) == layer("tablecloth.web"):
            tree = ast.parse(modules()[name][0].read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
                    pytest.fail(f"{name} builds queries; they belong in services/")


def test_no_import_cycle():
    assert not find_cycle(real_graph())


def test_the_checks_catch_a_cycle_and_an_upward_arrow():
    graph = real_graph()
    graph["tablecloth.qr"] = graph["tablecloth.qr"] | {"tablecloth.web.viewer.photo"}
    assert upward_arrows(graph) == ["tablecloth.qr -> tablecloth.web.viewer.photo"]
    graph["tablecloth.codes"] = graph["tablecloth.codes"] | {"tablecloth.images"}
    graph["tablecloth.images"] = graph["tablecloth.images"] | {"tablecloth.codes"}
    assert find_cycle(graph) in (["tablecloth.codes", "tablecloth.images", "tablecloth.codes"],
                                 ["tablecloth.images", "tablecloth.codes", "tablecloth.images"])
