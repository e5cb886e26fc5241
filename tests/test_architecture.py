"""The house's own rules, read from the source: layers, blueprints that never import each other, sizes, names."""

from __future__ import annotations

import ast
import sys
from importlib.machinery import PathFinder
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each layer may import from itself and the layers before it, never from one after it.
LAYERS = (("content",), ("editorial",), ("models",), ("services",), ("web",), ("readers", "newsroom"), ("cli",),
          ("app",))
PACKAGES = {name for layer in LAYERS for name in layer} - {"app"}
MAX_LINES = 420  # "about 400": the house's rule for a module, migrations and tests aside


def our_modules() -> dict[str, Path]:
    """{dotted name: path} of every module of the site (the layers above)."""
    found = {"app": ROOT / "app.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(path: Path) -> set[str]:
    """The modules of ours a module imports when it loads (imports under `if TYPE_CHECKING:` aside)."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    modules = our_modules()
    return {name for name in names if name in modules}


def layer_of(module: str) -> int:
    """The position of a module's package in LAYERS."""
    top = module.split(".")[0]
    return next(index for index, layer in enumerate(LAYERS) if top in layer)


def is_blueprint(path: Path) -> bool:
    """True for a module that makes a Blueprint."""
    return "Blueprint(" in path.read_text()


def test_nothing_imports_a_layer_above_its_own():
    upward = [(module, imported) for module, path in our_modules().items() for imported in imports_of(path)
              if layer_of(imported) > layer_of(module)]
    assert upward == []


def test_no_blueprint_imports_another_blueprint():
    modules = our_modules()
    blueprints = {name for name, path in modules.items() if is_blueprint(path)}
    assert {"readers.pages", "readers.feeds", "newsroom.articles", "newsroom.people"} <= blueprints
    sideways = [(name, imported) for name in blueprints for imported in imports_of(modules[name])
                if imported in blueprints and imported != name]
    assert sideways == []


def test_no_import_cycle():
    modules = our_modules()
    graph = {name: imports_of(path) - {name} for name, path in modules.items()}
    # A package's __init__ re-exporting its own modules is how `import models` works; it is no cycle.
    graph = {name: {other for other in targets if not name.startswith(other + ".")} for name, targets in graph.items()}
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        """Depth-first walk; a module met again while still on the trail closes a cycle."""
        if state.get(name) == "done":
            return
        assert state.get(name) != "open", " -> ".join([*trail, name])
        state[name] = "open"
        for other in sorted(graph.get(name, ())):
            visit(other, [*trail, name])
        state[name] = "done"

    for name in sorted(graph):
        visit(name, [])


@pytest.mark.parametrize("path", sorted(our_modules().values()), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_is_much_over_400_lines(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


def test_no_top_level_name_of_ours_shadows_an_installed_module():
    elsewhere = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT]
    ours = {path.stem for path in ROOT.glob("*.py")} | {path.parent.name for path in ROOT.glob("*/__init__.py")}
    shadowed = sorted(name for name in ours
                      if name in sys.stdlib_module_names or PathFinder.find_spec(name, elsewhere) is not None)
    assert shadowed == []


def test_the_newsroom_knows_its_blueprints_from_their_guard(app):
    from newsroom.guard import newsroom_blueprints

    assert newsroom_blueprints(app) == {"admin", "auth", "labels", "people", "pictures", "site_pages"}
