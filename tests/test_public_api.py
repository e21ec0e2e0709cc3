"""Every public name is documented, and both clients expose the same calls."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest

import trigger
import trigger._async.resources
import trigger._sync.resources
import trigger.types


def _public_members(obj: Any) -> Iterator[tuple[str, Any]]:
    for name, member in vars(obj).items():
        if name.startswith("_"):
            continue
        if inspect.isfunction(member) or isinstance(member, (property, classmethod)):
            yield name, member


def _resource_modules(package: Any) -> list[Any]:
    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]


def _documented_objects() -> Iterator[tuple[str, Any]]:
    for name in trigger.__all__:
        obj = getattr(trigger, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            yield f"trigger.{name}", obj
    for name in trigger.types.__all__:
        obj = getattr(trigger.types, name)
        if inspect.isclass(obj):
            yield f"trigger.types.{name}", obj
    for package in (trigger._async.resources, trigger._sync.resources):
        for module in _resource_modules(package):
            for name in getattr(module, "__all__", []):
                yield f"{module.__name__}.{name}", getattr(module, name)


OBJECTS = dict(_documented_objects())


@pytest.mark.parametrize("qualname", sorted(OBJECTS))
def test_public_names_have_docstrings(qualname: str) -> None:
    obj = OBJECTS[qualname]
    assert inspect.getdoc(obj), f"{qualname} has no docstring"
    if inspect.isclass(obj):
        for name, member in _public_members(obj):
            target = member.fget if isinstance(member, property) else member
            assert inspect.getdoc(target), f"{qualname}.{name} has no docstring"


def _calls(client: Any) -> set[str]:
    found: set[str] = set()
    for attribute in dir(client):
        if attribute.startswith("_") or attribute in {"with_options", "close", "aclose"}:
            continue
        resource = getattr(client, attribute)
        if inspect.ismethod(resource) or not hasattr(resource, "_client"):
            continue
        for name in dir(resource):
            if not name.startswith("_") and name != "with_raw_response":
                found.add(f"{attribute}.{name}")
    return found


def test_both_clients_offer_the_same_calls() -> None:
    sync_client = trigger.Client("tr_dev_x")
    async_client = trigger.AsyncClient("tr_dev_x")
    calls = _calls(sync_client)
    assert len(calls) > 80
    assert calls == _calls(async_client)
    sync_client.close()
