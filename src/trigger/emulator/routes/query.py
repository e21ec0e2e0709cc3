"""Query (SERVER.md §2.14): ``POST /api/v1/query`` over a subset, and the schema.

The schema is the real server's (measured); the dashboards are in `query_dashboards`. A query is
answered by `trigger.emulator.engine.query` when it is within the served subset; otherwise
400 with a message saying what the emulator answers. As on the server, a query whose
``WHERE`` does not name ``triggered_at`` reads the body's ``period`` (or ``from``/``to``),
by default the last 7 days; none reaches back more than 30 days, none answers more than
10,000 rows, and a public token may query its own environment only.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.durations import js_date_ms, period_ms
from trigger.emulator.engine import query as engine
from trigger.emulator.engine.query import QueryError, RowContext
from trigger.emulator.engine.runs import RunState
from trigger.emulator.query_tables import measured, query_tables
from trigger.emulator.routes._http import (
    builder_auth,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    json_response,
    method_not_allowed,
    parse_body,
)
from trigger.emulator.shapes import LOCAL_WORKER_VERSION
from trigger.emulator.validation import Enum, Nullish, Obj, Str

__all__ = ["routes"]

_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_RUN = msgspec.json.Decoder(RunState)

QUERY_BODY = Obj(
    {
        "query": Str(),
        # The server's enum order, which its 400 message lists.
        "scope": Enum(("organization", "project", "environment")).optional(),
        "period": Nullish(Str()),
        "from": Nullish(Str()),
        "to": Nullish(Str()),
        "format": Enum(("json", "csv")).optional(),
    }
)


_DAY_MS = 86_400_000
_DEFAULT_PERIOD_MS = 7 * _DAY_MS
"""Without a condition on ``triggered_at`` or a period, a query reads the last 7 days."""
_MAX_PERIOD_MS = 30 * _DAY_MS
"""No query reaches further back (the server's ``queryPeriodDays`` without a plan)."""


def _window(body: dict[str, Any], now: int) -> tuple[int | None, int | None]:
    """The server's fallback condition on ``triggered_at``: the period, else ``from``/``to``
    (either alone is open-ended), else the default period."""
    if body.get("period"):
        duration = period_ms(body["period"])
        return now - (duration if duration is not None else _DEFAULT_PERIOD_MS), None
    low = js_date_ms(body["from"]) if body.get("from") else None
    high = js_date_ms(body["to"]) if body.get("to") else None
    if low is None and high is None:
        return now - _DEFAULT_PERIOD_MS, None
    return low, high


@endpoint
async def run_query(request: Request) -> Response:
    """``POST /api/v1/query``."""
    if request.method == "GET":
        method_not_allowed("POST", empty=True)
    if request.method != "POST":
        method_not_allowed("POST")
    credential = builder_auth(request, allow_jwt=True)
    body = await parse_body(request, QUERY_BODY)
    refused: QueryError | None = None
    try:
        parsed: engine.Query | None = engine.parse(body["query"])
    except QueryError as error:
        parsed, refused = None, error
    # A token needs ``read:query:<table>`` for every table read (``all`` when it names none
    # the server knows); one that does not parse is denied to every scoped token.
    tables = engine.tables_read(body["query"], query_tables())
    if tables is None:
        forbid_unless(credential, "read", [("query", "__unparseable__")])
    else:
        forbid_unless(credential, "read", [("query", t) for t in tables or ["all"]], "every")
    scope = body.get("scope", "environment")
    if credential.kind != "secret_key" and scope != "environment":
        # A public token is bound to its environment (the server's queryScope.ts).
        fail(
            403,
            f"This token is scoped to one environment, so it can't run a {scope}-scoped "
            'query. Use scope "environment", or a secret key.',
        )
    if parsed is None:
        fail(400, str(refused))
    state = emulator_state(request)
    env = credential.env
    assert env is not None
    now = state.now_ms()
    floor = now - _MAX_PERIOD_MS
    low, high = (
        (None, None) if engine.references(parsed, engine.TIME_COLUMN) else _window(body, now)
    )
    envs = [env] if scope == "environment" else list(state.project.envs.values())
    rows: list[tuple[RunState, RowContext]] = []
    for target in envs:
        context = RowContext(target.slug, target.type, state.project.ref, LOCAL_WORKER_VERSION)
        with state.store.reading() as conn:
            found = conn.execute(
                "SELECT data FROM runs WHERE env_id = ? AND created_at >= ? "
                "ORDER BY created_at, seq",
                (target.id, max(floor, low) if low is not None else floor),
            ).fetchall()
        for (data,) in found:
            run = _RUN.decode(data)
            if high is None or run.created_at <= high:
                rows.append((run, context))
    try:
        columns, results = engine.execute(parsed, rows, query_tables())
    except QueryError as error:
        fail(400, str(error))
    if body.get("format") == "csv":
        return json_response({"format": "csv", "results": engine.to_csv(results, columns)})
    return json_response({"format": "json", "results": results})


@endpoint
async def schema(request: Request) -> Response:
    """``GET /api/v1/query/schema``: the tables and columns queries may read."""
    if request.method != "GET":
        method_not_allowed("GET", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    forbid_unless(credential, "read", [("query", "schema")])
    return json_response(measured("query_schema.json"))


routes = [
    Route("/api/v1/query", run_query, methods=_ALL),
    Route("/api/v1/query/schema", schema, methods=_ALL),
]
