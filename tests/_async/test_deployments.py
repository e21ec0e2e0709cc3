"""The deployments API on the wire: list filters, forward-only pages, details, promotion."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL
from trigger.types.deployments import DeploymentError

pytestmark = pytest.mark.anyio

# Written from the spec's schemas; versions are strings, never numbers (spec quirk Q1).
LISTED_DEPLOYMENT: dict[str, Any] = {
    "id": "cm7p0x1yz0001abcd",
    "createdAt": "2025-02-28T10:00:00.000Z",
    "shortCode": "a1b2c3d4",
    "version": "20250228.1",
    "runtime": "node",
    "runtimeVersion": "22.12.0",
    "status": "DEPLOYED",
    "deployedAt": "2025-02-28T10:03:00.000Z",
    "git": {"commitSha": "0f1e2d3c", "branchName": "main", "commitMessage": "Ship it"},
}
# D25: deployedAt and git may be null; runtime fields are nullable too.
PENDING_DEPLOYMENT: dict[str, Any] = {
    **LISTED_DEPLOYMENT,
    "id": "cm7p0x1yz0002abcd",
    "version": "20250228.2",
    "status": "BUILDING",
    "runtime": None,
    "runtimeVersion": None,
    "deployedAt": None,
    "git": None,
}
FAILED_DEPLOYMENT: dict[str, Any] = {
    **PENDING_DEPLOYMENT,
    "id": "cm7p0x1yz0003abcd",
    "version": "20250227.4",
    "status": "FAILED",
    "error": {"name": "BuildError", "message": "npm ci failed", "stderr": "ERR! 404"},
}
DEPLOYMENT_DETAIL: dict[str, Any] = {
    "id": "cm7p0x1yz0001abcd",
    "status": "DEPLOYED",
    "contentHash": "9f86d081884c7d65",
    "shortCode": "a1b2c3d4",
    "version": "20250228.1",
    "imageReference": "registry.trigger.dev/proj_yubjwjsfkxnylobaqvqz:20250228.1",
    "imagePlatform": "linux/amd64",
    "commitSHA": "0f1e2d3c4b5a",
    "externalBuildData": None,
    "errorData": None,
    "canceledReason": None,
    "worker": {
        "id": "worker_1234",
        "version": "20250228.1",
        "tasks": [
            {"id": "task_1", "slug": "send-email", "filePath": "src/trigger/email.ts"},
            {
                "id": "task_2",
                "slug": "daily-report",
                "filePath": "src/trigger/report.ts",
                "exportName": "dailyReport",
            },
        ],
    },
    "integrationDeployments": [
        {
            "id": "intdep_1",
            "integrationName": "github",
            "integrationDeploymentId": "12345",
            "commitSHA": "0f1e2d3c4b5a",
            "createdAt": "2025-02-28T10:01:00.000Z",
        }
    ],
}
LATEST_DEPLOYMENT: dict[str, Any] = {
    "id": "cm7p0x1yz0004abcd",
    "status": "FAILED",
    "contentHash": "2c26b46b68ffc68f",
    "shortCode": "e5f6g7h8",
    "version": "20250301.1",
    "imageReference": None,
    "errorData": {"name": "IndexError", "message": "Could not index tasks", "stack": "at x"},
}
PROMOTED = {"id": "cm7p0x1yz0001abcd", "version": "20250228.1", "shortCode": "a1b2c3d4"}


def page(items: list[dict[str, Any]], **pagination: str) -> dict[str, Any]:
    return {"data": items, "pagination": pagination}


async def test_list_sends_plain_filters_and_decodes_rows(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        json=page([LISTED_DEPLOYMENT, PENDING_DEPLOYMENT, FAILED_DEPLOYMENT], next="cur_1")
    )
    first = await client.deployments.list(
        status="DEPLOYED",
        from_=datetime(2025, 1, 1, tzinfo=timezone.utc),
        to="2025-02-01T00:00:00Z",
        limit=10,
        after="cm7p0x1yz0000abcd",
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "GET"
    assert request.url.path == "/api/v1/deployments"
    assert request.url.query.decode() == (
        "status=DEPLOYED&from=2025-01-01T00%3A00%3A00.000Z&to=2025-02-01T00%3A00%3A00Z"
        "&page%5Bsize%5D=10&page%5Bafter%5D=cm7p0x1yz0000abcd"
    )
    assert request.content == b""
    deployed, pending, failed = first.data
    assert deployed.version == "20250228.1"
    assert deployed.created_at == datetime(2025, 2, 28, 10, 0, tzinfo=timezone.utc)
    assert deployed.deployed_at == datetime(2025, 2, 28, 10, 3, tzinfo=timezone.utc)
    assert deployed.git == {
        "commitSha": "0f1e2d3c",
        "branchName": "main",
        "commitMessage": "Ship it",
    }
    assert deployed.runtime == "node" and deployed.runtime_version == "22.12.0"
    assert pending.deployed_at is None and pending.git is None and pending.runtime is None
    assert failed.error == DeploymentError(
        name="BuildError", message="npm ci failed", stderr="ERR! 404"
    )
    assert deployed.error is None


async def test_list_with_a_period_and_without_filters(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=f"{BASE_URL}/api/v1/deployments?period=7d", json=page([]))
    httpx_mock.add_response(url=f"{BASE_URL}/api/v1/deployments", json=page([]))
    assert (await client.deployments.list(period="7d")).data == []
    empty = await client.deployments.list()
    assert empty.data == [] and not empty.has_next_page()


async def test_pages_go_forward_only_and_repeat_the_filters(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/deployments?status=FAILED&page%5Bsize%5D=5",
        json=page([FAILED_DEPLOYMENT], next="cm7p0x1yz0003abcd"),
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/deployments?status=FAILED&page%5Bsize%5D=5&page%5Bafter%5D=cm7p0x1yz0003abcd",
        json=page([{**FAILED_DEPLOYMENT, "id": "cm7p0x1yz0009abcd"}]),
    )
    first = await client.deployments.list(status="FAILED", limit=5)
    assert first.has_next_page() and not first.has_previous_page()
    second = await first.get_next_page()
    assert [d.id for d in second.data] == ["cm7p0x1yz0009abcd"]
    assert not second.has_next_page() and not second.has_previous_page()
    with pytest.raises(LookupError):
        await second.get_previous_page()
    with pytest.raises(LookupError):
        await second.get_next_page()
    assert len(httpx_mock.get_requests()) == 2


async def test_iterating_walks_every_page(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=page([LISTED_DEPLOYMENT, PENDING_DEPLOYMENT], next="c1"))
    httpx_mock.add_response(json=page([FAILED_DEPLOYMENT], next="c2"))
    httpx_mock.add_response(json=page([]))
    versions = [d.version async for d in client.deployments.list(period="30d")]
    assert versions == ["20250228.1", "20250228.2", "20250227.4"]
    sent = [dict(r.url.params) for r in httpx_mock.get_requests()]
    assert sent == [
        {"period": "30d"},
        {"period": "30d", "page[after]": "c1"},
        {"period": "30d", "page[after]": "c2"},
    ]


async def test_retrieve_decodes_a_detail(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="GET", url=f"{BASE_URL}/api/v1/deployments/cm7p0x1yz0001abcd", json=DEPLOYMENT_DETAIL
    )
    deployment = await client.deployments.retrieve("cm7p0x1yz0001abcd")
    assert deployment.status == "DEPLOYED"
    assert deployment.content_hash == "9f86d081884c7d65"
    assert deployment.image_platform == "linux/amd64"
    assert deployment.commit_sha == "0f1e2d3c4b5a"
    assert deployment.error_data is None and deployment.canceled_reason is None
    assert deployment.worker is not None
    assert [t.slug for t in deployment.worker.tasks] == ["send-email", "daily-report"]
    assert deployment.worker.tasks[0].export_name is None
    assert deployment.worker.tasks[1].export_name == "dailyReport"
    assert deployment.integration_deployments is not None
    integration = deployment.integration_deployments[0]
    assert integration.commit_sha == "0f1e2d3c4b5a"
    assert integration.created_at == datetime(2025, 2, 28, 10, 1, tzinfo=timezone.utc)
    assert deployment.to_dict(wire_names=True)["commitSHA"] == "0f1e2d3c4b5a"


async def test_retrieve_a_minimal_detail(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        json={
            "id": "d1",
            "status": "INSTALLING",
            "contentHash": "h",
            "shortCode": "s",
            "version": "20250301.2",
            "imageReference": None,
            "imagePlatform": "linux/amd64",
            "externalBuildData": None,
            "errorData": None,
            "worker": None,
        }
    )
    deployment = await client.deployments.retrieve("d1")
    assert deployment.status == "INSTALLING"
    assert deployment.worker is None and deployment.integration_deployments is None


async def test_retrieve_current_and_latest(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="GET", url=f"{BASE_URL}/api/v1/deployments/current", json=PENDING_DEPLOYMENT
    )
    httpx_mock.add_response(
        method="GET", url=f"{BASE_URL}/api/v1/deployments/latest", json=LATEST_DEPLOYMENT
    )
    current = await client.deployments.retrieve_current()
    assert current.version == "20250228.2" and current.deployed_at is None and current.git is None
    latest = await client.deployments.retrieve_latest()
    assert latest.status == "FAILED" and latest.image_reference is None
    assert latest.error_data == DeploymentError(
        name="IndexError", message="Could not index tasks", stack="at x"
    )
    assert [r.content for r in httpx_mock.get_requests()] == [b"", b""]


async def test_no_current_deployment_is_not_found(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=404, json={"error": "No current deployment found"})
    with pytest.raises(trigger.NotFoundError, match="No current deployment"):
        await client.deployments.retrieve_current()


async def test_promote_sends_no_body_and_allow_rollbacks_only_when_true(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=f"{BASE_URL}/api/v1/deployments/20250228.1/promote", json=PROMOTED
    )
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/deployments/20250228.1/promote?allowRollbacks=true",
        json=PROMOTED,
    )
    httpx_mock.add_response(
        method="POST", url=f"{BASE_URL}/api/v1/deployments/20250228.1/promote", json=PROMOTED
    )
    promoted = await client.deployments.promote("20250228.1")
    assert promoted.id == "cm7p0x1yz0001abcd"
    assert promoted.version == "20250228.1" and promoted.short_code == "a1b2c3d4"
    await client.deployments.promote("20250228.1", allow_rollbacks=True)
    await client.deployments.promote("20250228.1", allow_rollbacks=False)
    requests = httpx_mock.get_requests()
    assert [r.content for r in requests] == [b"", b"", b""]
    assert [r.url.query for r in requests] == [b"", b"allowRollbacks=true", b""]


async def test_an_invalid_promotion_is_a_bad_request(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=400, json={"error": "Cannot promote a failed deployment"})
    with pytest.raises(trigger.BadRequestError, match="Cannot promote"):
        await client.deployments.promote("20250227.4")


@pytest.mark.parametrize("value", ["../x", "a/b", "v?x=1", "..", "v#1"])
async def test_path_parameters_are_one_encoded_segment(
    value: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=DEPLOYMENT_DETAIL)
    httpx_mock.add_response(json=PROMOTED)
    await client.deployments.retrieve(value)
    await client.deployments.promote(value)
    for request in httpx_mock.get_requests():
        segment = request.url.raw_path.decode().removeprefix("/api/v1/deployments/")
        segment = segment.removesuffix("/promote")
        assert "/" not in segment and "?" not in segment and "#" not in segment
        assert segment not in ("..", ".")
        assert request.url.query == b""


async def test_raw_response_of_every_method(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/deployments?page%5Bsize%5D=5",
        json=page([LISTED_DEPLOYMENT], next="c1"),
        headers={"x-ratelimit-remaining": "7"},
    )
    httpx_mock.add_response(url=f"{BASE_URL}/api/v1/deployments/d1", json=DEPLOYMENT_DETAIL)
    httpx_mock.add_response(url=f"{BASE_URL}/api/v1/deployments/current", json=LISTED_DEPLOYMENT)
    httpx_mock.add_response(url=f"{BASE_URL}/api/v1/deployments/latest", json=LATEST_DEPLOYMENT)
    httpx_mock.add_response(url=f"{BASE_URL}/api/v1/deployments/20250228.1/promote", json=PROMOTED)
    raw = client.deployments.with_raw_response
    listed = await raw.list(limit=5)
    assert listed.headers["x-ratelimit-remaining"] == "7"
    assert listed.parse().data[0].version == "20250228.1" and listed.parse().has_next_page()
    assert (await raw.retrieve("d1")).parse().image_platform == "linux/amd64"
    assert (await raw.retrieve_current()).parse().status == "DEPLOYED"
    assert (await raw.retrieve_latest()).parse().status == "FAILED"
    promoted = await raw.promote("20250228.1")
    assert promoted.status_code == 200 and promoted.parse().short_code == "a1b2c3d4"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"status": "INSTALLING"}, ValueError, "status must be one of"),
        ({"status": "deployed"}, ValueError, "status must be one of"),
        ({"status": ["DEPLOYED"]}, TypeError, "status"),
        ({"period": ""}, ValueError, "period"),
        ({"from_": "2025-01-01T00:00:00Z"}, ValueError, "from_ and to together"),
        ({"to": "2025-01-01T00:00:00Z"}, ValueError, "from_ and to together"),
        ({"from_": datetime(2025, 1, 1), "to": "2025-02-01"}, ValueError, "timezone-aware"),
        ({"from_": 1735689600000, "to": "2025-02-01"}, TypeError, "from_"),
        ({"limit": 0}, ValueError, "limit"),
        ({"limit": 5.5}, TypeError, "limit"),
        ({"limit": True}, TypeError, "limit"),
        ({"after": ""}, ValueError, "after"),
    ],
)
async def test_list_rejects_bad_input_before_sending(
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await client.deployments.list(**kwargs)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "error", "message"),
    [
        ("retrieve", ("",), {}, ValueError, "deployment_id"),
        ("retrieve", (None,), {}, TypeError, "deployment_id"),
        ("promote", ("  ",), {}, ValueError, "version"),
        ("promote", (20250228.1,), {}, TypeError, "version"),
        ("promote", ("20250228.1",), {"allow_rollbacks": "yes"}, TypeError, "allow_rollbacks"),
    ],
)
async def test_calls_reject_bad_input_before_sending(
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await getattr(client.deployments, method)(*args, **kwargs)
    assert httpx_mock.get_requests() == []
