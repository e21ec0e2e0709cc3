"""The smaller groups: deployments, errors, sessions, query, packets, run traces and events."""

from __future__ import annotations

from typing import Any

from tests.parity.framework import Ctx, Req, Scenario
from tests.parity.scenarios._common import delayed, trigger, wait_status


def _session_body(ctx: Ctx, **more: Any) -> dict[str, Any]:
    return {
        "type": "chat",
        # A task no worker declares: its run waits, so the session's current run stays put
        # however fast a worker would have been.
        "taskIdentifier": "chat-agent",
        "triggerConfig": {"basePayload": {"from": "parity"}},
        "externalId": ctx.name("sess"),
        "tags": [ctx.name("sess")],
        "metadata": {"m": 1},
        **more,
    }


def _rows_only(ctx: Ctx, body: Any) -> Any:
    # Query rows come from the real server's analytics store; compare the answer's shape.
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        return {**body, "results": [sorted(row) for row in body["results"][:1]]}
    return body


def _schema_shape(ctx: Ctx, body: Any) -> Any:
    if isinstance(body, dict) and isinstance(body.get("tables"), list):
        return {"tables": [t.get("name") for t in body["tables"]]}
    return body


def _trace_shape(ctx: Ctx, body: Any) -> Any:
    """A trace's span tree is the worker's telemetry: keep its outline."""
    if isinstance(body, dict) and isinstance(body.get("trace"), dict):
        trace = body["trace"]
        root = trace.get("rootSpan") or {}
        return {
            "trace": sorted(trace),
            "rootSpan": sorted(root) if isinstance(root, dict) else root,
        }
    if isinstance(body, dict) and isinstance(body.get("events"), list):
        return {"events": "list"}
    return body


SCENARIOS = [
    Scenario(
        name="deployments_none",
        group="deployments",
        doc="The deployments of an environment whose worker runs in dev: none are deployed.",
        steps=[
            Req("GET", "/api/v1/deployments", name="list"),
            Req("GET", "/api/v1/deployments", auth="prod", name="list prod"),
            Req("GET", "/api/v1/deployments/current", name="current"),
            Req("GET", "/api/v1/deployments/latest", name="latest"),
        ],
        notes=["the recorded project has no deployments (its worker is `trigger.dev dev`)"],
    ),
    Scenario(
        name="deployments_errors",
        group="deployments",
        doc="Deployment queries and ids the server refuses.",
        steps=[
            Req("GET", "/api/v1/deployments", params={"page[size]": "0"}, name="page size 0"),
            Req("GET", "/api/v1/deployments", params={"page[size]": "101"}, name="page size 101"),
            Req("GET", "/api/v1/deployments", params={"status": "DONE"}, name="bad status"),
            Req("GET", "/api/v1/deployments", params={"period": "soon"}, name="bad period"),
            Req("GET", "/api/v1/deployments/current", auth=None, name="current without a key"),
            Req("GET", "/api/v1/deployments/deployment_doesnotexist0000000", name="unknown id"),
            Req("POST", "/api/v1/deployments/20990101.1/promote", name="promote unknown"),
            Req("GET", "/api/v1/deployments", auth="pat", name="PAT"),
        ],
    ),
    Scenario(
        name="errors",
        group="errors",
        doc="Error groups: list, unknown ids, actions and their bodies.",
        steps=[
            Req(
                "GET",
                "/api/v1/errors",
                params={"filter[taskIdentifier]": "none-{u}"},
                name="list (none)",
            ),
            Req("GET", "/api/v1/errors", params={"page[size]": "101"}, name="page size 101"),
            Req("GET", "/api/v1/errors", params={"filter[status]": "gone"}, name="bad status"),
            Req("GET", "/api/v1/errors/error_doesnotexist00000000", name="unknown"),
            Req(
                "POST",
                "/api/v1/errors/error_doesnotexist00000000/resolve",
                json={},
                name="resolve unknown",
            ),
            Req(
                "POST",
                "/api/v1/errors/error_doesnotexist00000000/ignore",
                json={"duration": -1},
                name="ignore with a bad duration",
            ),
            Req(
                "POST",
                "/api/v1/errors/error_doesnotexist00000000/unresolve",
                name="unresolve unknown",
            ),
            Req(
                "POST",
                "/api/v1/errors/error_doesnotexist00000000/resolve",
                content=b"",
                name="resolve without a body",
            ),
            Req("GET", "/api/v1/errors", auth="pat", name="PAT"),
        ],
    ),
    Scenario(
        name="sessions",
        group="sessions",
        doc="Create (201, then 200 cached), retrieve, list, update, close, closed 409.",
        steps=[
            Req(
                "POST",
                "/api/v1/sessions",
                json=_session_body,
                save={"session": "id"},
                name="create",
            ),
            Req("POST", "/api/v1/sessions", json=_session_body, name="create again is cached"),
            Req("GET", "/api/v1/sessions/{session}", name="retrieve"),
            Req("GET", "/api/v1/sessions/sess-{u}", name="retrieve by external id"),
            Req(
                "GET",
                "/api/v1/sessions",
                params={"filter[externalId]": "none-{u}"},
                name="list by an external id no session has",
            ),
            Req(
                "PATCH",
                "/api/v1/sessions/{session}",
                json=lambda c: {"tags": [c.name("t2")], "metadata": {"m": 2}},
                name="update",
            ),
            Req(
                "PATCH",
                "/api/v1/sessions/{session}",
                json={"externalId": "other"},
                name="change external id",
            ),
            Req("POST", "/api/v1/sessions/{session}/close", json={"reason": "done"}, name="close"),
            Req("POST", "/api/v1/sessions/{session}/close", json={}, name="close again"),
            Req(
                "POST",
                "/api/v1/sessions",
                json=_session_body,
                name="create with a closed external id",
            ),
            Req("GET", "/api/v1/sessions/session_doesnotexist000000000", name="unknown"),
            Req("POST", "/api/v1/sessions", json={"type": "chat"}, name="bad body"),
            Req("GET", "/api/v1/sessions", params={"page[size]": "101"}, name="page size 101"),
        ],
        notes=[
            "session list rows come from the real server's analytics store, which the "
            "recording setup does not fill for sessions: only an empty filter is recorded"
        ],
    ),
    Scenario(
        name="query",
        group="query",
        doc="`POST /api/v1/query` (TRQL), its schema and dashboards.",
        steps=[
            trigger("run", options=delayed("query")),
            Req(
                "POST",
                "/api/v1/query",
                json=lambda c: {
                    "query": f"SELECT run_id, status FROM runs WHERE run_id = '{c.vars['run']}'",
                    "scope": "environment",
                    "format": "json",
                },
                until=lambda b: len(b.get("results", [])) >= 1,
                view=_rows_only,
                name="select one run",
            ),
            Req(
                "POST",
                "/api/v1/query",
                json={
                    "query": "SELECT count() AS n FROM runs WHERE task_identifier = 'none'",
                    "scope": "environment",
                    "format": "csv",
                },
                name="csv",
            ),
            Req("POST", "/api/v1/query", json={"scope": "environment"}, name="no query"),
            Req(
                "POST",
                "/api/v1/query",
                json={"query": "SELECT 1", "scope": "galaxy"},
                name="bad scope",
            ),
            Req("GET", "/api/v1/query/schema", view=_schema_shape, name="schema (table names)"),
            Req("GET", "/api/v1/query/dashboards", name="dashboards"),
        ],
        notes=[
            "query rows come from the real server's ClickHouse stand-in; only the first row's "
            "column names are compared"
        ],
    ),
    Scenario(
        name="packets",
        group="packets",
        doc="Presigned URLs for large payloads (`PUT /api/v2/packets`, `GET /api/v1/packets`).",
        steps=[
            Req("PUT", "/api/v2/packets/parity-{u}/payload.json", name="upload URL"),
            Req("GET", "/api/v1/packets/parity-{u}/payload.json", name="download URL"),
            Req("GET", "/api/v1/packets/parity-{u}/payload.json", auth=None, name="without a key"),
            Req("PUT", "/api/v2/packets/parity-{u}/payload.json", auth="bad", name="bad key"),
            Req("POST", "/api/v2/packets/parity-{u}/payload.json", name="POST"),
        ],
    ),
    Scenario(
        name="runs_trace_events",
        group="runs-traces",
        doc="A completed run's trace, span and events.",
        steps=[
            trigger("run", payload={"t": 1}),
            wait_status("run", record=False),
            Req("GET", "/api/v1/runs/{run}/trace", view=_trace_shape, name="trace (outline)"),
            Req("GET", "/api/v1/runs/{run}/events", view=_trace_shape, name="events (outline)"),
            Req("GET", "/api/v1/runs/{run}/spans/0000000000000000", name="unknown span"),
            Req(
                "GET",
                "/api/v1/runs/run_doesnotexist00000000000/trace",
                name="trace of an unknown run",
            ),
            Req(
                "GET",
                "/api/v1/runs/run_doesnotexist00000000000/events",
                name="events of an unknown run",
            ),
        ],
    ),
    Scenario(
        name="query_syntax_error",
        group="query",
        doc="A query TRQL cannot parse.",
        steps=[
            Req(
                "POST",
                "/api/v1/query",
                json={"query": "SELEC nonsense", "scope": "environment", "format": "json"},
                name="bad query",
            ),
        ],
    ),
]
