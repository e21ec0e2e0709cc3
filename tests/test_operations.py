"""Every operation of the API has a call in both clients, and that call reaches its endpoint."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

import tests.operations
import trigger
from tests.conftest import BASE_URL
from tests.operations import EXPECTED, Op


def _all_ops() -> list[Op]:
    ops: list[Op] = []
    for module in pkgutil.iter_modules(tests.operations.__path__):
        ops.extend(importlib.import_module(f"tests.operations.{module.name}").OPERATIONS)
    return ops


ALL_OPS = _all_ops()


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(
        "^"
        + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
        + "$"
    )


def test_every_operation_has_a_call() -> None:
    covered = {(op.method, op.path) for op in ALL_OPS}
    assert sorted(EXPECTED - covered) == [], "operations without a call"
    assert sorted(covered - EXPECTED) == [], "calls of operations missing from EXPECTED"


def _mock(httpx_mock: HTTPXMock, op: Op) -> None:
    if callable(op.response):
        httpx_mock.add_callback(op.response, is_reusable=True)
    else:
        httpx_mock.add_response(json=op.response, is_reusable=True)


def _reached(httpx_mock: HTTPXMock, op: Op) -> list[httpx.Request]:
    pattern = _pattern(op.path)
    return [
        r for r in httpx_mock.get_requests() if r.method == op.method and pattern.match(r.url.path)
    ]


@pytest.mark.parametrize("op", ALL_OPS, ids=lambda op: f"{op.method} {op.path}")
def test_sync_call_reaches_its_endpoint(op: Op, httpx_mock: HTTPXMock) -> None:
    _mock(httpx_mock, op)
    with trigger.Client(op.key, base_url=BASE_URL) as client:
        result = op.call(client)
        if inspect.isgenerator(result):
            list(result)
    assert _reached(httpx_mock, op), f"no {op.method} {op.path} in {httpx_mock.get_requests()}"


@pytest.mark.anyio
@pytest.mark.parametrize("op", ALL_OPS, ids=lambda op: f"{op.method} {op.path}")
async def test_async_call_reaches_its_endpoint(op: Op, httpx_mock: HTTPXMock) -> None:
    _mock(httpx_mock, op)
    async with trigger.AsyncClient(op.key, base_url=BASE_URL) as client:
        result: Any = op.call(client)
        if inspect.isawaitable(result):
            result = await result
        elif hasattr(result, "__aiter__"):
            result = [item async for item in result]
    assert _reached(httpx_mock, op), f"no {op.method} {op.path} in {httpx_mock.get_requests()}"
