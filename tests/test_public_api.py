"""Every public name is documented, and both clients expose the same calls."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

import trigger
import trigger._async.resources
import trigger._sync.resources
import trigger.types
from tests.conftest import BASE_URL
from tests.operations.concurrency_limits import LIMIT
from trigger import _default


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


def test_run_statuses_are_exported_beside_the_final_ones() -> None:
    assert trigger.RUN_STATUSES is trigger.types.RUN_STATUSES
    assert trigger.FINAL_RUN_STATUSES is trigger.types.FINAL_RUN_STATUSES
    assert frozenset(typing.get_args(trigger.RunStatus)) == trigger.RUN_STATUSES
    assert frozenset(typing.get_args(trigger.LegacyRunStatus)) == trigger.LEGACY_RUN_STATUSES
    assert not trigger.RUN_STATUSES & trigger.LEGACY_RUN_STATUSES
    assert trigger.FINAL_RUN_STATUSES <= trigger.RUN_STATUSES | trigger.LEGACY_RUN_STATUSES


def test_concurrency_limits_are_on_both_clients_and_the_module(httpx_mock: HTTPXMock) -> None:
    assert {"concurrency_limits.list", "concurrency_limits.override"} <= _calls(
        trigger.AsyncClient("tr_dev_x")
    )
    assert "concurrency_limits" in trigger.__all__
    assert "default client" in repr(trigger.concurrency_limits)
    httpx_mock.add_response(json=LIMIT)
    trigger.configure(secret_key="tr_dev_x", base_url=BASE_URL)
    try:
        assert trigger.concurrency_limits.retrieve("openai").id == LIMIT["id"]
    finally:
        # Leave the module-level API unconfigured, as other tests expect it.
        if _default._client is not None:
            _default._client.close()
        _default._client = None
        _default._settings.clear()
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.path == "/api/v1/concurrency-limits/openai"
