"""Inputs the API accepts go out as given: limits the server owns are left to the server."""

from __future__ import annotations

import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.operations.deployments import LISTED
from tests.operations.errors import ERROR_PAGE
from tests.operations.sessions import SESSION

pytestmark = pytest.mark.anyio


async def test_period_goes_out_with_from_and_to(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=ERROR_PAGE)
    await client.errors.list(period="7d", from_=1_700_000_000_000)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.params["filter[period]"] == "7d"
    assert request.url.params["filter[from]"] == "1700000000000"


async def test_more_than_500_run_ids_reach_the_server(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=202, json={"id": "bulk_1"})
    await client.runs.bulk.cancel(run_ids=[f"run_{n}" for n in range(600)])
    request = httpx_mock.get_request()
    assert request is not None
    assert len(msgspec.json.decode(request.content)["runIds"]) == 600


async def test_an_empty_session_update_sends_an_empty_object(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=SESSION)
    await client.sessions.update("session_1")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "PATCH"
    assert request.content == b"{}"


async def test_a_deployment_page_size_is_the_callers(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"data": [LISTED], "pagination": {}})
    # The server raises sizes below 5 to 5 itself (sizes above 100 it refuses, as we do).
    await client.deployments.list(limit=3)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.params["page[size]"] == "3"


async def test_a_branch_import_may_write_only_parent_variables(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"success": True})
    await client.envvars.upload("proj_1", "dev", variables={}, parent_variables={"SHARED": "1"})
    request = httpx_mock.get_request()
    assert request is not None
    body = msgspec.json.decode(request.content)
    assert body["variables"] == {}
    assert body["parentVariables"] == {"SHARED": "1"}
