"""The layering of ``components/`` (ARCHITECTURE.md), checked on the imports of every module: the Kubernetes layer
and the contracts import no cloud SDK and no cloud folder, and no cloud folder imports another cloud's."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from paths import ROOT

COMPONENTS = ROOT / "components"
CLOUDS = ("alicloud", "aws", "existing")
CLOUD_SDKS = ("pulumi_alicloud", "pulumi_aws")


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved against its package)."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, node.module)) if node.module else ".".join(base)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _offending(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(name for name in imported_modules(path)
                  if any(name == f or name.startswith(f + ".") for f in forbidden))


@pytest.mark.parametrize("path", [*modules(COMPONENTS / "kubernetes"), COMPONENTS / "outputs.py",
                                  COMPONENTS / "naming.py"], ids=lambda p: str(p.relative_to(ROOT)))
def test_the_kubernetes_layer_and_the_contracts_import_no_cloud(path: Path) -> None:
    assert _offending(path, (*CLOUD_SDKS, *(f"components.{c}" for c in (*CLOUDS, "s3")))) == []


@pytest.mark.parametrize("cloud", CLOUDS)
def test_no_cloud_imports_another_clouds_modules(cloud: str) -> None:
    others = tuple(f"components.{c}" for c in CLOUDS if c != cloud)
    for path in modules(COMPONENTS / cloud):
        assert _offending(path, others) == [], path


def test_the_check_sees_relative_imports() -> None:
    """The resolution the two tests rely on: ``from ..kubernetes.context import X`` in a cloud module."""
    assert "components.kubernetes.context" in imported_modules(COMPONENTS / "alicloud" / "burst.py")
    assert "pulumi_alicloud" in imported_modules(COMPONENTS / "alicloud" / "burst.py")


def test_every_cloud_folder_holds_the_concepts_it_has() -> None:
    """ACK and EKS build the same concepts, file for file; an existing cluster only connects and composes."""
    concepts = {"network", "cluster", "capacity", "burst", "model_store", "addons", "metrics", "platform"}
    for cloud in ("alicloud", "aws"):
        assert {p.stem for p in (COMPONENTS / cloud).glob("*.py")} - {"__init__"} == concepts, cloud
    assert {p.stem for p in (COMPONENTS / "existing").glob("*.py")} - {"__init__"} == {"cluster", "platform"}
