"""Error groups, sessions and queries through the SDK, and their error bodies over raw HTTP."""

from __future__ import annotations

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, RetryPolicy


def _fail_twice(trigger_emulator: Emulator, client: trigger.Client) -> None:
    @trigger_emulator.task("charge", retry=RetryPolicy(max_attempts=1))
    def charge(payload: dict[str, str]) -> None:
        raise ValueError(f"card {payload['kind']}")

    for kind in ("declined", "declined", "expired"):
        trigger_emulator.wait_for_run(client.tasks.trigger("charge", {"kind": kind}).id)


def test_error_groups_lifecycle(trigger_emulator: Emulator, trigger_client: trigger.Client) -> None:
    _fail_twice(trigger_emulator, trigger_client)
    groups = list(trigger_client.errors.list())
    # The most frequent first; the type is the stored error's (the server's errorType).
    assert [(g.error_type, g.error_message, g.count) for g in groups] == [
        ("BUILT_IN_ERROR", "card declined", 2),
        ("BUILT_IN_ERROR", "card expired", 1),
    ]
    declined = groups[0]
    assert declined.id.startswith("error_") and declined.status == "unresolved"
    detail = trigger_client.errors.retrieve(declined.id)
    assert (detail.task_identifier, detail.count) == ("charge", 2)
    resolved = trigger_client.errors.resolve(declined.id, resolved_in_version="20261201.2")
    assert (resolved.status, resolved.resolved_in_version) == ("resolved", "20261201.2")
    assert [g.id for g in trigger_client.errors.list(status="resolved")] == [declined.id]
    ignored = trigger_client.errors.ignore(declined.id, duration=60_000, reason="known")
    assert (ignored.status, ignored.ignored_reason) == ("ignored", "known")
    assert ignored.ignored_until is not None
    assert trigger_client.errors.unresolve(declined.id).status == "unresolved"
    assert [g.error_message for g in trigger_client.errors.list(search="EXPIRED")] == [
        "card expired"
    ]
    with pytest.raises(trigger.NotFoundError):
        trigger_client.errors.retrieve("error_0000000000000000")


def test_error_group_bodies(http: httpx.Client) -> None:
    unknown = http.get("/api/v1/errors/error_nope")
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Not found"})
    assert unknown.headers["x-should-retry"] == "false"
    action = http.post("/api/v1/errors/error_nope/resolve", json={})
    assert (action.status_code, action.json()) == (404, {"error": "Resource not found"})
    query = http.get("/api/v1/errors", params={"page[size]": "0", "filter[status]": "x"}).json()
    assert [issue["message"] for issue in query["details"]] == [
        "Number must be greater than 0",
        "Number must be greater than or equal to 1",
        "Invalid status values: x. Allowed: unresolved, resolved, ignored.",
    ]
    assert http.get("/api/v1/errors").json() == {"data": [], "pagination": {}}


@pytest.mark.anyio
async def test_sessions_through_the_async_client(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    sessions = trigger_async_client.sessions
    created = await sessions.create(
        type="chat",
        task_identifier="agent",
        trigger_config={"base_payload": {"chatId": "c1"}},
        external_id="chat-1",
        tags=["vip"],
        metadata={"plan": "pro"},
    )
    assert created.id.startswith("session_") and created.is_cached is False
    assert created.public_access_token
    run = trigger_emulator.wait_for_run(created.run_id)
    assert run["payload"] == {"chatId": "c1", "sessionId": created.id}
    again = await sessions.create(
        type="chat",
        task_identifier="agent",
        trigger_config={"base_payload": {}},
        external_id="chat-1",
    )
    # The first run has finished, so the open session gets a continuation run.
    assert (again.id, again.is_cached) == (created.id, True)
    assert again.run_id != created.run_id
    continued = trigger_emulator.wait_for_run(again.run_id)
    assert continued["payload"]["continuation"] is True
    assert continued["payload"]["previousRunId"] == created.run_id
    fetched = await sessions.retrieve("chat-1")
    assert (fetched.current_run_id, fetched.tags) == (again.run_id, ["vip"])
    updated = await sessions.update("chat-1", tags=["gold"], metadata=None)
    assert (updated.tags, updated.metadata) == (["gold"], None)
    listed = [item async for item in sessions.list(tag="gold")]
    assert [item.id for item in listed] == [created.id]
    closed = await sessions.close(created.id, reason="done")
    assert closed.closed_reason == "done" and closed.closed_at is not None
    assert [item.id async for item in sessions.list(status="CLOSED")] == [created.id]
    with pytest.raises(trigger.ConflictError):
        await sessions.create(
            type="chat",
            task_identifier="agent",
            trigger_config={"base_payload": {}},
            external_id="chat-1",
            request_options={"max_attempts": 1},
        )


def test_session_bodies(trigger_client: trigger.Client, http: httpx.Client) -> None:
    empty = http.post("/api/v1/sessions", json={})
    assert empty.json() == {
        "error": 'Validation error: Required at "type"; Required at "taskIdentifier"; '
        'Required at "triggerConfig"'
    }
    reserved = http.post(
        "/api/v1/sessions",
        json={"type": "t", "taskIdentifier": "a", "triggerConfig": {"basePayload": {}},
              "externalId": "session_x"},
    )  # fmt: skip
    assert "reserved prefix" in reserved.json()["error"]
    first = http.post(
        "/api/v1/sessions",
        json={"type": "t", "taskIdentifier": "a", "triggerConfig": {"basePayload": {}},
              "externalId": "e1"},
    )  # fmt: skip
    assert first.status_code == 201
    renamed = http.patch("/api/v1/sessions/e1", json={"externalId": "e2"})
    assert renamed.status_code == 422
    for method, path, status, body in (
        ("GET", "/api/v1/sessions/session_nope", 404, {"error": "Not found"}),
        ("PATCH", "/api/v1/sessions/session_nope", 404, {"error": "Session not found"}),
        ("POST", "/api/v1/sessions/session_nope/close", 404, {"error": "Session not found"}),
    ):
        response = http.request(method, path, json={})
        assert (response.status_code, response.json()) == (status, body)
    both = http.get("/api/v1/sessions", params={"page[after]": "a", "page[before]": "b"})
    assert both.json()["details"][0]["message"] == (
        "Cannot pass both page[after] and page[before] on the same request"
    )


def test_session_pages_walking_back_are_newest_first(http: httpx.Client) -> None:
    # Measured on the real server: a page[before] page lists newest first, like a forward one.
    for n in range(5):
        created = http.post(
            "/api/v1/sessions",
            json={"type": "chat", "taskIdentifier": "agent", "triggerConfig": {"basePayload": {}},
                  "externalId": f"chat-{n}"},
        )  # fmt: skip
        assert created.status_code == 201
    first = http.get("/api/v1/sessions", params={"page[size]": 2}).json()
    second = http.get(
        "/api/v1/sessions", params={"page[size]": 2, "page[after]": first["pagination"]["next"]}
    ).json()
    assert [s["externalId"] for s in first["data"]] == ["chat-4", "chat-3"]
    assert [s["externalId"] for s in second["data"]] == ["chat-2", "chat-1"]
    back = http.get(
        "/api/v1/sessions",
        params={"page[size]": 2, "page[before]": second["pagination"]["previous"]},
    ).json()
    assert [s["externalId"] for s in back["data"]] == ["chat-4", "chat-3"]
    # The way back from the oldest page: fewer items than a page, so no ``next``.
    last = http.get(
        "/api/v1/sessions", params={"page[size]": 3, "page[before]": second["pagination"]["next"]}
    ).json()
    assert [s["externalId"] for s in last["data"]] == ["chat-4", "chat-3", "chat-2"]
    short = http.get(
        "/api/v1/sessions", params={"page[size]": 5, "page[before]": second["pagination"]["next"]}
    ).json()
    assert len(short["data"]) == 3 and "next" not in short["pagination"]


def test_queries(trigger_emulator: Emulator, trigger_client: trigger.Client) -> None:
    _fail_twice(trigger_emulator, trigger_client)
    counted = trigger_client.query.execute("SELECT count() FROM runs")
    assert counted.results == [{"count": 3}]
    by_status = trigger_client.query.execute(
        "SELECT status, count() AS n FROM runs GROUP BY status ORDER BY n DESC"
    )
    assert by_status.results == [{"status": "Failed", "n": 3}]
    rows = trigger_client.query.execute(
        "SELECT run_id, task_identifier FROM runs WHERE status = 'Failed' "
        "ORDER BY triggered_at DESC LIMIT 1"
    )
    assert [row["task_identifier"] for row in rows.results] == ["charge"]
    csv = trigger_client.query.execute("SELECT count() AS total FROM runs", format="csv")
    assert csv.results == "total\n3"
    with pytest.raises(trigger.BadRequestError, match='Unknown column "nope"'):
        trigger_client.query.execute("SELECT nope FROM runs")
    with pytest.raises(
        trigger.BadRequestError, match="The emulator answers a subset of TRQL: SELECT"
    ):
        trigger_client.query.execute("WITH x AS (SELECT 1) SELECT * FROM x")
    schema = trigger_client.query.schema()
    assert [table.name for table in schema.tables][:1] == ["runs"]
    assert trigger_client.query.dashboards.list().dashboards


def test_query_bodies(http: httpx.Client) -> None:
    table = http.post("/api/v1/query", json={"query": "SELECT * FROM nope"})
    assert table.json() == {
        "error": 'Table "nope" is not accessible. Available tables: runs, metrics, llm_metrics, '
        "llm_models, queue_metrics, env_metrics, queue_metrics_by_key"
    }
    assert http.post("/api/v1/query", json={}).json() == {
        "error": 'Validation error: Required at "query"'
    }
    # A query that does not open with SELECT or WITH gets the server's parser message.
    typo = http.post("/api/v1/query", json={"query": "\n  DELETE FROM runs"})
    assert (typo.status_code, typo.json()) == (
        400,
        {
            "error": "Syntax error at line 2:2: mismatched input 'DELETE' expecting "
            "{SELECT, WITH, '{', '(', '<'}"
        },
    )
    bad_format = http.post(
        "/api/v1/query", json={"query": "SELECT count() FROM runs", "format": "x"}
    )
    assert bad_format.status_code == 400
