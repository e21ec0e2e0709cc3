"""Public access tokens, run events/trace/spans, and the PAT project runs list."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, RetryPolicy


def _claims(token: str) -> dict[str, Any]:
    middle = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(middle + "=" * (-len(middle) % 4)))
    return claims


def test_tokens_signed_by_the_sdk_and_minted_here_are_accepted(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    handle = trigger_client.tasks.trigger("t", tags=["user_1"])
    other = trigger_client.tasks.trigger("t")
    claims = trigger_client.auth.retrieve_jwt_claims()
    assert claims.sub == trigger_emulator.environment_ids["dev"]
    local = trigger_client.auth.create_public_token(scopes=["read:tags:user_1"])
    minted = http.post("/api/v1/auth/public-tokens", json={"scopes": ["read:tags:user_1"]})
    assert minted.status_code == 200
    remote = minted.json()["token"]
    payload = _claims(remote)
    assert (payload["sub"], payload["scopes"], payload["exp"] - payload["iat"]) == (
        claims.sub,
        ["read:tags:user_1"],
        900,  # the server's default of 15 minutes
    )
    for token in (local, remote):
        with trigger_emulator.client(secret_key=token) as browser:
            assert browser.runs.retrieve(handle.id).id == handle.id
            with pytest.raises(trigger.PermissionDeniedError):
                browser.runs.retrieve(other.id)


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"scopes": []}, 400, None),
        ({"scopes": ["read:runs"], "expirationTime": "abc"}, 400,
         {"error": "Invalid expiration time"}),
        ({"scopes": ["read:runs"], "expirationTime": 1}, 400,
         {"error": "Expiration time must be in the future"}),
        ({"scopes": ["read:runs"], "expirationTime": "60d"}, 400,
         {"error": "Expiration time cannot exceed 30 days"}),
        ({"scopes": ["read"]}, 403,
         {"error": "Requested scopes exceed the API key's access",
          "code": "scopes_exceed_key_access", "deniedScopes": ["read"]}),
    ],
)  # fmt: skip
def test_public_token_refusals(
    http: httpx.Client, body: dict[str, Any], status: int, expected: dict[str, Any] | None
) -> None:
    response = http.post("/api/v1/auth/public-tokens", json=body)
    assert response.status_code == status
    if expected is not None:
        assert response.json() == expected
    else:
        assert response.json()["error"] == "Invalid request body"
        assert response.json()["issues"][0]["message"] == "Array must contain at least 1 element(s)"


def test_token_endpoints_refuse_other_credentials(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    pat = {"authorization": f"Bearer {trigger_emulator.personal_access_token}"}
    refused = http.post("/api/v1/auth/public-tokens", json={"scopes": ["read:runs"]}, headers=pat)
    assert (refused.status_code, refused.json()) == (401, {"error": "Invalid API key"})
    claims = http.post("/api/v1/auth/jwt/claims", headers=pat)
    assert (claims.status_code, claims.json()) == (401, {"error": "Invalid or Missing API key"})
    assert http.get("/api/v1/auth/jwt/claims").json() == {"message": "Unexpected Server Error"}
    not_json = http.post("/api/v1/auth/public-tokens", content=b"nope")
    assert not_json.json() == {"error": "Invalid request body"}


def test_trace_of_a_retried_run(trigger_emulator: Emulator, trigger_client: trigger.Client) -> None:
    @trigger_emulator.task("flaky", retry=RetryPolicy(max_attempts=2, min_delay_ms=10))
    def flaky(payload: object) -> None:
        raise RuntimeError("boom")

    handle = trigger_client.tasks.trigger("flaky")
    trigger_emulator.wait_for_run(handle.id)
    events = trigger_client.runs.events(handle.id).events
    assert [event.message for event in events] == [
        "flaky",
        "Attempt 1",
        "run()",
        "Attempt 2",
        "run()",
    ]
    assert [event.kind for event in events[:3]] == ["SERVER", "CONSUMER", "INTERNAL"]
    assert all(event.is_error for event in events)
    assert events[1].attempt_number == 1 and events[0].attempt_number is None
    exception = events[-1].events[0]
    assert exception["name"] == "exception"
    assert exception["properties"]["exception"]["type"] == "RuntimeError"

    trace = trigger_client.runs.trace(handle.id).trace
    root = trace.root_span
    assert (root.id, root.data.message) == (events[0].span_id, "flaky")
    assert [child.data.message for child in root.children] == ["Attempt 1", "Attempt 2"]
    assert root.children[0].children[0].data.message == "run()"
    span = trigger_client.runs.retrieve_span(handle.id, root.children[1].id)
    assert (span.message, span.entity_type, span.parent_id) == ("Attempt 2", "attempt", root.id)


@pytest.mark.anyio
async def test_a_queued_run_has_an_open_root_span(
    trigger_async_client: trigger.AsyncClient,
) -> None:
    handle = await trigger_async_client.tasks.trigger("later", delay="1h")
    assert (await trigger_async_client.runs.events(handle.id)).events == []
    trace = (await trigger_async_client.runs.trace(handle.id)).trace
    assert trace.root_span.data.is_partial is True
    assert trace.root_span.children == []
    with pytest.raises(trigger.NotFoundError):
        await trigger_async_client.runs.retrieve_span(handle.id, "ffffffffffffffff")


def test_trace_error_bodies(http: httpx.Client) -> None:
    for path in ("events", "trace", "spans/abc"):
        response = http.get(f"/api/v1/runs/run_nope/{path}")
        assert response.status_code == 404
        assert response.json() == {"error": "Not found"}
        assert response.headers["x-should-retry"] == "true"
    run = http.post("/api/v1/tasks/t/trigger", json={"payload": None}).json()["id"]
    missing = http.get(f"/api/v1/runs/{run}/spans/ffffffffffffffff")
    assert (missing.status_code, missing.json()) == (404, {"error": "Span not found"})


def test_project_runs_list_takes_a_personal_access_token(trigger_emulator: Emulator) -> None:
    with trigger_emulator.client() as dev, trigger_emulator.client("prod") as prod:
        mine = dev.tasks.trigger("t").id
        theirs = prod.tasks.trigger("t").id
    with trigger_emulator.client(secret_key=trigger_emulator.personal_access_token) as pat:
        listed = list(pat.runs.list(project_ref=trigger_emulator.project_ref, env="dev"))
        assert [run.id for run in listed] == [mine]
        assert listed[0].env.name == "dev"
        both = list(pat.runs.list(project_ref=trigger_emulator.project_ref, env=["dev", "prod"]))
        assert [run.id for run in both] == [theirs]  # only the first environment, prod before dev
        with pytest.raises(trigger.NotFoundError):
            list(pat.runs.list(project_ref="proj_nope", env="dev"))
    with httpx.Client(base_url=trigger_emulator.url) as http:
        path = f"/api/v1/projects/{trigger_emulator.project_ref}/runs"
        pat_header = {"authorization": f"Bearer {trigger_emulator.personal_access_token}"}
        no_env = http.get(path, headers=pat_header)
        assert (no_env.status_code, no_env.json()) == (500, {"error": "Internal Server Error"})
        key = http.get(
            path,
            params={"filter[env]": "dev"},
            headers={"authorization": f"Bearer {trigger_emulator.secret_key}"},
        )
        assert (key.status_code, key.json()) == (401, {"error": "Invalid or Missing PAT"})
        bad_query = http.get(
            path, params={"page[size]": "0"}, headers={"authorization": "Bearer x"}
        )
        assert bad_query.json()["error"] == "Query Error"  # validated before the credential
