"""The import graph of crawler, storage and blocklists, read with ast: every import statement,
at module level or inside a function (TYPE_CHECKING ones too), as an edge to the most specific
module of the three packages it names."""

from __future__ import annotations

import ast
import graphlib
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "storage", "blocklists")
MIDDLEWARES = "crawler.middlewares"


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def _most_specific(dotted: str) -> str | None:
    """The module `dotted` names, or the package that holds the name it imports."""
    while dotted and dotted not in _modules():
        dotted = dotted.rpartition(".")[0]
    return dotted or None


def _targets(module: str, path: Path) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {t for a in node.names if (t := _most_specific(a.name))}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([base] if base else [])])
            found |= {t for a in node.names if (t := _most_specific(f"{base}.{a.name}"))}
    return found - {module}


@cache
def _graph() -> dict[str, frozenset[str]]:
    return {m: frozenset(_targets(m, p)) for m, p in _modules().items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of `graph` (modules and the modules they import), or None."""
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return None


def _subgraph(packages: tuple[str, ...]) -> dict[str, set[str]]:
    modules = {m for m in _graph() if m.split(".")[0] in packages}
    return {m: {t for t in _graph()[m] if t in modules} for m in modules}


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert "storage.audit.queries" in graph["storage.cli"]  # relative: from .audit import queries
    assert "storage.catalog.catalog" in graph["storage.cli_support"]  # inside a function
    assert "storage.catalog.blocklists" in graph["storage.catalog.catalog"]  # a module, aliased
    assert "storage.catalog.checkpoint" in graph["storage.cli"]  # a name of a module
    assert "crawler.meta" in graph["crawler.middlewares.origin"]  # from .. import meta
    assert {"crawler.cli", "storage.catalog.migrations.env", "blocklists.cli"} <= set(graph)


@pytest.mark.parametrize(
    ("graph", "cyclic"),
    [
        ({"a": {"b"}, "b": set()}, False),
        ({"a": {"b", "c"}, "b": {"c"}, "c": set()}, False),
        ({"a": {"b"}, "b": {"a"}}, True),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, True),
        ({"a": {"a"}}, True),
    ],
)
def test_cycles_are_found(graph: dict[str, set[str]], cyclic: bool) -> None:
    assert (_cycle(graph) is not None) == cyclic


def test_storage_and_blocklists_have_no_import_cycle() -> None:
    # The crawler's own cycles (crawler.config and crawler.weakenings) are its to remove.
    assert _cycle(_subgraph(("storage", "blocklists"))) is None


def test_storage_imports_nothing_of_the_crawler_and_the_catalog_nothing_of_audit() -> None:
    for module, targets in _graph().items():
        if module.startswith("storage."):
            assert not {t for t in targets if t.startswith(("crawler", "blocklists"))}, module
        if module.startswith("storage.catalog"):
            assert not {t for t in targets if t.startswith("storage.audit")}, module


def test_no_middleware_imports_another() -> None:
    for module, targets in _graph().items():
        if module.startswith(MIDDLEWARES + "."):
            assert not {t for t in targets if t.startswith(MIDDLEWARES)}, module


def _imported_modules(module: str, path: Path) -> set[str]:
    """The project modules `path`'s ``from X import …`` statements name as X."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([base] if base else [])])
            if base.split(".")[0] in PACKAGES:
                found.add(base)
    return found


def test_every_import_names_a_module_that_exists() -> None:
    # mypy is told to ignore missing imports (for untyped third parties), so a module that moved
    # would go unnoticed until that import ran.
    missing = {
        (module, target)
        for module, path in _modules().items()
        for target in _imported_modules(module, path)
        if target not in _modules()
    }
    assert not missing
