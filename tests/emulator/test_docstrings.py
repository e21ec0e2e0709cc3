"""Every public name of the emulator has a docstring."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import trigger.emulator


def _modules() -> list[object]:
    names = [
        info.name
        for info in pkgutil.walk_packages(trigger.emulator.__path__, "trigger.emulator.")
        if not info.name.endswith("__main__")
    ]
    return [trigger.emulator, *(importlib.import_module(name) for name in names)]


def test_public_names_have_docstrings() -> None:
    missing = []
    for module in _modules():
        if not inspect.getdoc(module):
            missing.append(module.__name__)  # type: ignore[attr-defined]
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if not inspect.getdoc(obj):
                missing.append(f"{module.__name__}.{name}")  # type: ignore[attr-defined]
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    target = member.fget if isinstance(member, property) else member
                    if inspect.isfunction(target) and not inspect.getdoc(target):
                        missing.append(f"{module.__name__}.{name}.{attr}")  # type: ignore[attr-defined]
    assert missing == []
