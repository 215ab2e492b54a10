"""The layer's direction (functions -> api -> services -> store -> domain) read from the code's
own imports: a back-edge, boto3 outside the store, or a use case reaching past the port fails here."""

from __future__ import annotations

import ast
import pathlib

import pytest

from ..support.template import ROOT

PACKAGE = ROOT / "layers" / "loyalty" / "loyalty"


def imports_of(path: pathlib.Path) -> set[str]:
    """Absolute names of what a module imports (relative imports resolved inside the package)."""
    module = path.relative_to(PACKAGE.parent).with_suffix("").parts
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = list(module[:-1]) if path.name != "__init__.py" else list(module)
            if node.level:
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return found


def modules(folder: str) -> list[pathlib.Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", ["domain", "services", "api"])
def test_boto3_is_imported_only_by_the_store(folder: str) -> None:
    offenders = {p.name for p in modules(folder) if any(i.split(".")[0] in {"boto3", "botocore"} for i in imports_of(p))}
    assert offenders == set()


@pytest.mark.parametrize(("folder", "forbidden"), [
    ("domain", ("loyalty.store", "loyalty.services", "loyalty.api")),
    ("store", ("loyalty.services", "loyalty.api")),
    ("services", ("loyalty.api",)),
])
def test_no_layer_imports_a_layer_above_it(folder: str, forbidden: tuple[str, ...]) -> None:
    offenders = {p.name: sorted(i for i in imports_of(p) if i.startswith(forbidden)) for p in modules(folder)}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_use_cases_reach_storage_through_the_port_alone() -> None:
    reaching = {p.name for p in modules("services")
                if p.name not in {"ports.py", "wiring.py"} and any(i.startswith("loyalty.store") for i in imports_of(p))}
    assert reaching == set()


def test_the_import_reader_sees_a_relative_import_of_the_store() -> None:
    # The checks above pass vacuously if relative imports were misread: wiring.py imports the store.
    assert any(i.startswith("loyalty.store") for i in imports_of(PACKAGE / "services" / "wiring.py"))
