"""Refusals and bad input get the real server's statuses and bodies (raw httpx)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

import trigger
from trigger.emulator import Emulator


def _headers(key: str, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}", **extra}


@pytest.fixture
def http(trigger_emulator: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=trigger_emulator.url) as client:
        yield client


def _trigger(http: httpx.Client, key: str, task: str = "t", **options: object) -> str:
    response = http.post(
        f"/api/v1/tasks/{task}/trigger",
        json={"payload": None, "options": {"delay": "1h", **options}},
        headers=_headers(key),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def test_missing_authorization_is_refused_before_any_route(http: httpx.Client) -> None:
    response = http.get("/api/v1/runs")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json; charset=utf-8"
    assert response.text == json.dumps(
        {
            "title": "Unauthorized",
            "status": 401,
            "type": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/401",
            "detail": "No authorization header provided",
            "error": "No authorization header provided",
        },
        indent=2,
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/runs", "Invalid API key"),
        ("GET", "/api/v3/runs/run_x", "Invalid API key"),
        ("POST", "/api/v1/runs/run_x/tags", "Invalid or Missing API Key"),
        ("POST", "/api/v1/runs/run_x/reschedule", "Invalid or missing API Key"),
        ("GET", "/api/v1/runs/run_x/metadata", "Invalid or Missing API Key"),
        ("GET", "/api/v1/runs/run_x/result", "Invalid or Missing API Key"),
    ],
)
def test_bad_keys_get_each_routes_401(
    http: httpx.Client, method: str, path: str, body: str
) -> None:
    for key in ("nonsense", "tr_pat_abc", "pk_dev_abc"):
        response = http.request(method, path, headers=_headers(key), json={})
        assert (response.status_code, response.json()) == (401, {"error": body}), key


def test_preview_needs_a_branch(trigger_emulator: Emulator, http: httpx.Client) -> None:
    key = trigger_emulator.keys["preview"]
    response = http.get("/api/v1/runs", headers=_headers(key))
    assert response.json() == {"error": "x-trigger-branch header required for preview env"}
    ok = http.get("/api/v1/runs", headers=_headers(key, **{"x-trigger-branch": "main"}))
    assert ok.status_code == 200


def test_public_access_tokens(trigger_emulator: Emulator, http: httpx.Client) -> None:
    key = trigger_emulator.secret_key
    response = http.post(
        "/api/v1/tasks/t/trigger", json={"options": {"delay": "1h"}}, headers=_headers(key)
    )
    run_id, token = response.json()["id"], response.headers["x-trigger-jwt"]
    other = _trigger(http, key)
    assert http.get(f"/api/v3/runs/{run_id}", headers=_headers(token)).status_code == 200
    denied = http.get(f"/api/v3/runs/{other}", headers=_headers(token))
    assert (denied.status_code, denied.json()) == (
        403,
        {
            "error": "Unauthorized",
            "code": "unauthorized",
            "param": "access_token",
            "type": "authorization",
        },
    )
    # Replay takes keys only: a token is "an API key" that does not exist.
    replay = http.post(f"/api/v1/runs/{run_id}/replay", headers=_headers(token))
    assert (replay.status_code, replay.json()) == (401, {"error": "Invalid API key"})
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}AA"
    bad = http.get(f"/api/v3/runs/{run_id}", headers=_headers(forged))
    assert (bad.status_code, bad.json()) == (401, {"error": "Public Access Token is invalid"})


def test_sdk_errors_for_refusals(trigger_emulator: Emulator) -> None:
    with trigger_emulator.client(
        secret_key="nonsense", retry=trigger.RetryOptions(max_attempts=1)
    ) as client:
        with pytest.raises(trigger.AuthenticationError, match="Invalid API key"):
            client.runs.retrieve("run_x")


def test_body_errors(trigger_emulator: Emulator, http: httpx.Client) -> None:
    headers = _headers(trigger_emulator.secret_key, **{"content-type": "application/json"})
    cases = [
        (b"", "Request body is empty"),
        (b"{not json", "Invalid JSON"),
        (b"null", "Invalid JSON"),
        (b"0", "Invalid JSON"),
        (b'{"options": {"tags": 5}}', None),
    ]
    for content, message in cases:
        response = http.post("/api/v1/tasks/t/trigger", content=content, headers=headers)
        assert response.status_code == 400
        if message is not None:
            assert response.json() == {"error": message}
        else:
            assert response.json()["error"].startswith("Validation error: Expected string")
    eleven = http.post(
        "/api/v1/tasks/t/trigger",
        json={"options": {"tags": [str(i) for i in range(11)]}},
        headers=headers,
    )
    assert (eleven.status_code, eleven.json()) == (
        422,
        {"error": "Runs can only have 10 tags, you're trying to set 11."},
    )


def test_body_without_content_length_is_too_large(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"payload": 1}'

    response = http.post(
        "/api/v1/tasks/t/trigger", content=chunks(), headers=_headers(trigger_emulator.secret_key)
    )
    assert (response.status_code, response.json()) == (413, {"error": "Request body too large"})


def test_not_found_bodies_and_retry_headers(trigger_emulator: Emulator, http: httpx.Client) -> None:
    headers = _headers(trigger_emulator.secret_key)
    retrieve = http.get("/api/v3/runs/run_nope", headers=headers)
    assert (retrieve.status_code, retrieve.json()) == (404, {"error": "Not found"})
    assert retrieve.headers["x-should-retry"] == "true"
    cancel = http.post("/api/v2/runs/run_nope/cancel", headers=headers)
    assert (cancel.status_code, cancel.json()) == (404, {"error": "Resource not found"})
    assert "x-should-retry" not in cancel.headers
    tags = http.post("/api/v1/runs/run_nope/tags", json={"tags": ["a"]}, headers=headers)
    assert (tags.status_code, tags.json()) == (404, {"error": "Run not found"})
    result = http.get("/api/v1/runs/run_nope/result", headers=headers)
    assert result.json() == {"error": "Run either doesn't exist or is not finished"}
    metadata = http.put("/api/v1/runs/run_nope/metadata", json={"metadata": {}}, headers=headers)
    assert (metadata.status_code, metadata.json()) == (404, {"error": "Task Run not found"})


def test_query_errors(trigger_emulator: Emulator, http: httpx.Client) -> None:
    response = http.get(
        "/api/v1/runs",
        params={"page[size]": "101", "filter[status]": "NOPE"},
        headers=_headers(trigger_emulator.secret_key),
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "Query Error",
        "details": [
            {
                "code": "too_big",
                "maximum": 100,
                "type": "number",
                "inclusive": True,
                "exact": False,
                "message": "Number must be less than or equal to 100",
                "path": ["page[size]"],
            },
            {
                "code": "custom",
                "message": "Invalid status values: NOPE",
                "path": ["filter[status]"],
            },
        ],
    }


def test_methods(trigger_emulator: Emulator, http: httpx.Client) -> None:
    headers = _headers(trigger_emulator.secret_key)
    get_trigger = http.get("/api/v1/tasks/t/trigger", headers=headers)
    assert (get_trigger.status_code, get_trigger.content) == (405, b"")
    put_replay = http.put("/api/v1/runs/run_x/replay", headers=headers)
    assert (put_replay.status_code, put_replay.json()) == (405, {"error": "Method not allowed"})
    assert put_replay.headers["allow"] == "POST"
    # Legacy routes return a plain object that Remix serializes as HTTP 200.
    legacy = http.put("/api/v1/runs/run_x/reschedule", headers=headers)
    assert (legacy.status_code, legacy.json()) == (
        200,
        {"status": 405, "body": "Method Not Allowed"},
    )
    # Measured: a GET on a route without a loader is Remix's 400.
    no_loader = http.get("/api/v1/runs/run_x/reschedule", headers=headers)
    assert (no_loader.status_code, no_loader.json()) == (
        400,
        {"message": "Unexpected Server Error"},
    )


def test_reschedule_errors(trigger_emulator: Emulator, http: httpx.Client) -> None:
    key = trigger_emulator.secret_key
    run_id = _trigger(http, key)
    headers = _headers(key)
    bad_body = http.post(f"/api/v1/runs/{run_id}/reschedule", json={"delay": {}}, headers=headers)
    assert (bad_body.status_code, bad_body.json()) == (400, {"error": "Invalid request body"})
    bad_delay = http.post(
        f"/api/v1/runs/{run_id}/reschedule", json={"delay": "soon"}, headers=headers
    )
    assert (bad_delay.status_code, bad_delay.json()) == (400, {"error": "Invalid delay: soon"})
    missing = http.post("/api/v1/runs/run_nope/reschedule", json={"delay": "1h"}, headers=headers)
    assert (missing.status_code, missing.json()) == (404, {"error": "Run not found"})
    not_json = http.post(f"/api/v1/runs/{run_id}/reschedule", content=b"{", headers=headers)
    assert not_json.status_code == 500  # Remix's own answer to a throw in a legacy action
    assert not_json.text == "Unexpected Server Error"


def test_idempotency_key_reset(trigger_emulator: Emulator, http: httpx.Client) -> None:
    key = trigger_emulator.secret_key
    first = _trigger(http, key, task="resettable", idempotencyKey="k1")
    assert _trigger(http, key, task="resettable", idempotencyKey="k1") == first
    reset = http.post(
        "/api/v1/idempotencyKeys/k1/reset",
        json={"taskIdentifier": "resettable"},
        headers=_headers(key),
    )
    assert (reset.status_code, reset.json()) == (200, {"id": "k1"})
    assert _trigger(http, key, task="resettable", idempotencyKey="k1") != first
    missing = http.post(
        "/api/v1/idempotencyKeys/k9/reset", json={"taskIdentifier": "x"}, headers=_headers(key)
    )
    assert missing.json() == {"error": "No runs found with idempotency key: k9 and task: x"}


def test_strict_keys_accept_only_the_printed_ones() -> None:
    with Emulator(strict_keys=True) as emulator, httpx.Client(base_url=emulator.url) as http:
        assert http.get("/api/v1/runs", headers=_headers(emulator.secret_key)).status_code == 200
        other = http.get("/api/v1/runs", headers=_headers("tr_dev_" + "x" * 24))
        assert (other.status_code, other.json()) == (401, {"error": "Invalid API key"})
        branch = http.get(
            "/api/v1/runs",
            headers=_headers(emulator.keys["preview"], **{"x-trigger-branch": "unknown"}),
        )
        assert branch.json() == {"error": "No matching branch env"}


def test_absurd_numbers_are_not_a_server_error(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    response = http.post(
        "/api/v1/tasks/t/trigger",
        json={"options": {"priority": 1e308, "maxDuration": 1e308, "delay": "1h"}},
        headers=_headers(trigger_emulator.secret_key),
    )
    assert response.status_code == 200
    deep = http.post(
        "/api/v1/tasks/t/trigger",
        content=b"[" * 100_000 + b"]" * 100_000,
        headers=_headers(trigger_emulator.secret_key),
    )
    assert (deep.status_code, deep.json()) == (400, {"error": "Invalid JSON"})
