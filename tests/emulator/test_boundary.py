"""The emulator is written from the server's facts, not from the SDK's code."""

from __future__ import annotations

import ast
from pathlib import Path

import trigger.emulator

PACKAGE = Path(trigger.emulator.__file__).parent
# The modules that hand SDK clients to users may import the two client classes, nothing else.
CLIENT_HELPERS = (PACKAGE / "server.py", PACKAGE / "pytest_plugin.py")


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return found


def test_emulator_modules_import_nothing_from_the_sdk() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for module, line in _imports(path):
            if module == "trigger" or (
                module.startswith("trigger.") and not module.startswith("trigger.emulator")
            ):
                if path in CLIENT_HELPERS and module == "trigger":
                    continue
                offenders.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert offenders == []


def test_the_client_helpers_import_only_the_client_classes() -> None:
    for helper in CLIENT_HELPERS:
        tree = ast.parse(helper.read_text(encoding="utf-8"))
        names = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "trigger"
            for alias in node.names
        }
        assert names == {"Client", "AsyncClient"}, helper.name


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from trigger._wire import tasks\nimport trigger.types\n", encoding="utf-8")
    assert [module for module, _ in _imports(bad)] == ["trigger._wire", "trigger.types"]
