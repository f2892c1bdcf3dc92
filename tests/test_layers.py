"""The layers of the package, as DESIGN.md draws them: ingest writes the store, the site reads
it, outbound sends what the site made; each import that crosses a line the wrong way fails."""

import ast
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "plugins" / "communique"
# Below every layer: modules that import nothing of the package, which any layer may use.
FOUNDATION = {"communique.errors", "communique.files", "communique.records"}
# The store, and the vault that keeps its never-public posts: on the foundation, and nothing else.
STORE = {"communique.store", "communique.vault"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


FILES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, however it does (top level or inside a function):
    ``from communique.site import feeds`` imports ``communique.site.feeds``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names} & FILES.keys()
    return found


MODULES = {name: imports(path) for name, path in FILES.items()}


def reaching(name: str, prefix: str) -> list[str]:
    return sorted(i for i in MODULES[name] if i == prefix or i.startswith(prefix + "."))


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("communique.ingest")))
def test_ingest_never_imports_the_site(name):
    assert reaching(name, "communique.site") == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("communique.site")))
def test_the_site_never_imports_ingest_nor_outbound(name):
    assert reaching(name, "communique.ingest") + reaching(name, "communique.outbound") == []


@pytest.mark.parametrize("name", sorted(FOUNDATION | STORE))
def test_the_store_and_its_foundation_import_nothing_else_of_the_package(name):
    allowed = (FOUNDATION | STORE) - {name} if name in STORE else set()
    assert set(reaching(name, "communique")) <= allowed


@pytest.mark.parametrize("name", sorted(MODULES))
def test_the_package_never_imports_tasks_or_tools(name):
    assert reaching(name, "tasks") + reaching(name, "tools") == []


def test_signatures_are_checked_without_the_site():
    """``invoke verify`` checks a copy's signatures with the module that makes them."""
    assert set(reaching("communique.signing", "communique")) <= FOUNDATION


def test_every_module_is_in_a_layer():
    """A module outside the layers is a module a reader cannot place."""
    top = {n for n in MODULES if n.count(".") == 1}
    assert top == FOUNDATION | STORE | {
        "communique.settings",
        "communique.console",
        "communique.signing",
        "communique.ingest",
        "communique.site",
        "communique.outbound",
    }
