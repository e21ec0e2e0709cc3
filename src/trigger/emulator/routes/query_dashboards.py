"""Query dashboards (SURFACE-4.8.md §5): the list, and custom dashboards' CRUD and widgets.

- ``GET /api/v1/query/dashboards``: the built-in dashboards (the real server's list,
  measured), then the custom ones, newest first (``type: "custom"``, ``key`` = their id);
  ``POST`` creates a custom one.
- ``GET``/``PATCH``/``PUT``/``DELETE /api/v1/query/dashboards/{id}``: retrieve, rename or
  re-describe, replace every widget, delete.
- ``POST …/{id}/widgets``, ``PATCH``/``DELETE …/{id}/widgets/{widgetId}`` (``?revision=``).

Custom dashboards belong to the project (every environment's key sees the same ones). The
snapshot server has only the list; the rest follows the 4.8.3 client's schemas and
documentation, with messages of the emulator's own [unverified]: an unknown id (a built-in
key included) is 404 ``{"error":"Dashboard not found"}``; a stale ``revision`` is 409; a
widget query within the emulator's TRQL subset that names an unknown table or column is
400 with the query endpoint's message (other queries are accepted unchecked). Plan limits
(the server's 403) are not applied. A public token needs ``read:query:dashboards`` (or
``read:query``) to read and ``write:query:dashboards`` to write.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.auth import Credential
from trigger.emulator.durations import iso
from trigger.emulator.engine import dashboards as engine
from trigger.emulator.engine import query as trql
from trigger.emulator.engine.dashboards import DashboardError, DashboardState, WidgetState
from trigger.emulator.query_tables import measured, query_tables
from trigger.emulator.routes._http import (
    Reply,
    builder_auth,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    json_response,
    method_not_allowed,
    parse_body,
    parse_query,
)
from trigger.emulator.schemas_dashboards import (
    ADD_WIDGET_BODY,
    CREATE_BODY,
    REPLACE_BODY,
    UPDATE_BODY,
    UPDATE_WIDGET_BODY,
    WIDGET_DELETE_QUERY,
)
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_dashboards import DashboardStore

__all__ = ["routes"]

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_NOT_FOUND = "Dashboard not found"
_ONE_METHODS = ("GET", "PATCH", "PUT", "DELETE")
_WIDGET_METHODS = ("PATCH", "DELETE")


def _check_query(query: str) -> None:
    """Refuse a widget query naming an unknown table, or an unknown column of ``runs``.

    Only queries within the emulator's TRQL subset are checked: the server accepts much
    more than the emulator parses, and refusing those would be wrong."""
    if not query.strip():
        return
    try:
        parsed = trql.parse(query)
    except trql.QueryError:
        return
    tables = query_tables()
    if parsed.table not in tables:
        listing = ", ".join(tables)
        fail(400, f'Table "{parsed.table}" is not accessible. Available tables: {listing}')
    if parsed.table != "runs":
        return
    try:
        trql.execute(parsed, [], tables)
    except trql.QueryError as error:
        if str(error).startswith("Unknown column"):
            fail(400, str(error))


def _check_widget_queries(widgets: list[dict[str, Any]]) -> None:
    for widget in widgets:
        if widget["display"]["type"] != "title" and not widget.get("query", "").strip():
            fail(400, f'Widget "{widget["title"]}" needs a query')
        _check_query(widget.get("query", ""))


def _widget(widget: WidgetState) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": widget.id,
        "title": widget.title,
        "query": widget.query,
        "display": widget.display,
    }
    if widget.fill_gaps is not None:
        out["fillGaps"] = widget.fill_gaps
    out["position"] = {"x": widget.x, "y": widget.y, "w": widget.w, "h": widget.h}
    return out


def _dashboard(dashboard: DashboardState) -> dict[str, Any]:
    """``DashboardObject``."""
    return {
        "id": dashboard.id,
        "title": dashboard.title,
        "description": dashboard.description,
        "revision": dashboard.revision,
        "createdAt": iso(dashboard.created_at),
        "updatedAt": iso(dashboard.updated_at),
        "widgets": [_widget(widget) for widget in dashboard.widgets],
    }


def _summary(dashboard: DashboardState) -> dict[str, Any]:
    """A custom dashboard in the list (``DashboardSummary``)."""
    return {
        "key": dashboard.id,
        "title": dashboard.title,
        "type": "custom",
        "description": dashboard.description,
        "widgets": [
            {"id": w.id, "title": w.title, "query": w.query, "type": w.display["type"]}
            for w in dashboard.widgets
        ],
    }


def _reading(request: Request) -> Credential:
    credential = builder_auth(request, allow_jwt=True)
    forbid_unless(credential, "read", [("query", "dashboards")])
    return credential


def _writing(request: Request) -> Credential:
    credential = builder_auth(request, allow_jwt=True)
    forbid_unless(credential, "write", [("query", "dashboards")])
    return credential


def _find(state: EmulatorState, dashboard_id: str) -> DashboardState:
    dashboard = DashboardStore(state.store).get(dashboard_id)
    if dashboard is None:
        fail(404, _NOT_FOUND)
    return dashboard


def _revision(state: EmulatorState) -> str:
    return state.ids.token(16)


def _widget_id(state: EmulatorState) -> str:
    # The dashboard editor's nanoid(8); these characters are a subset of its alphabet.
    return state.ids.token(8)


def _save(state: EmulatorState, dashboard: DashboardState) -> None:
    with state.store.transaction() as conn:
        DashboardStore.put(conn, dashboard)


def _refused(error: DashboardError) -> Reply:
    return Reply(json_response({"error": str(error)}, error.status))


@endpoint
async def collection(request: Request) -> Response:
    """``GET /api/v1/query/dashboards`` (the list) and ``POST`` (create)."""
    state = emulator_state(request)
    if request.method == "GET":
        _reading(request)
        builtin = measured("query_dashboards.json")
        custom = [_summary(d) for d in DashboardStore(state.store).newest_first()]
        return json_response({"dashboards": [*builtin["dashboards"], *custom]})
    if request.method != "POST":
        method_not_allowed("POST")
    _writing(request)
    body = await parse_body(request, CREATE_BODY)
    _check_widget_queries(body.get("widgets", []))
    _, friendly = state.ids.friendly("dashboard")
    try:
        dashboard = engine.create(
            dashboard_id=friendly,
            body=body,
            make_widget_id=lambda: _widget_id(state),
            revision=_revision(state),
            now=state.now_ms(),
        )
    except DashboardError as error:
        raise _refused(error) from None
    _save(state, dashboard)
    return json_response(_dashboard(dashboard))


@endpoint
async def one(request: Request) -> Response:
    """``GET``/``PATCH``/``PUT``/``DELETE /api/v1/query/dashboards/{id}``."""
    method = request.method
    if method not in _ONE_METHODS:
        method_not_allowed(", ".join(_ONE_METHODS[1:]))
    state = emulator_state(request)
    dashboard_id = request.path_params["dashboard_id"]
    if method == "GET":
        _reading(request)
        return json_response(_dashboard(_find(state, dashboard_id)))
    _writing(request)
    if method == "DELETE":
        _find(state, dashboard_id)
        with state.store.transaction() as conn:
            DashboardStore.delete(conn, dashboard_id)
        return json_response({"id": dashboard_id})
    body = await parse_body(request, UPDATE_BODY if method == "PATCH" else REPLACE_BODY)
    if method == "PUT":
        _check_widget_queries(body["widgets"])
    dashboard = _find(state, dashboard_id)
    try:
        if method == "PATCH":
            changed = engine.update(dashboard, body, revision=_revision(state), now=state.now_ms())
        else:
            changed = engine.replace(
                dashboard,
                body,
                make_widget_id=lambda: _widget_id(state),
                revision=_revision(state),
                now=state.now_ms(),
            )
    except DashboardError as error:
        raise _refused(error) from None
    _save(state, changed)
    return json_response(_dashboard(changed))


@endpoint
async def widgets(request: Request) -> Response:
    """``POST /api/v1/query/dashboards/{id}/widgets``: add one widget."""
    if request.method == "GET":
        method_not_allowed("POST", empty=True)
    if request.method != "POST":
        method_not_allowed("POST")
    state = emulator_state(request)
    _writing(request)
    body = await parse_body(request, ADD_WIDGET_BODY)
    _check_widget_queries([body])
    dashboard = _find(state, request.path_params["dashboard_id"])
    try:
        changed, widget_id = engine.add_widget(
            dashboard,
            body,
            make_widget_id=lambda: _widget_id(state),
            revision=_revision(state),
            now=state.now_ms(),
        )
    except DashboardError as error:
        raise _refused(error) from None
    _save(state, changed)
    return json_response({"widgetId": widget_id, "dashboard": _dashboard(changed)})


@endpoint
async def widget(request: Request) -> Response:
    """``PATCH``/``DELETE /api/v1/query/dashboards/{id}/widgets/{widgetId}``."""
    if request.method == "GET":
        method_not_allowed(", ".join(_WIDGET_METHODS), empty=True)
    if request.method not in _WIDGET_METHODS:
        method_not_allowed(", ".join(_WIDGET_METHODS))
    state = emulator_state(request)
    _writing(request)
    widget_id = request.path_params["widget_id"]
    try:
        if request.method == "DELETE":
            query = parse_query(request, WIDGET_DELETE_QUERY)
            dashboard = _find(state, request.path_params["dashboard_id"])
            changed = engine.delete_widget(
                dashboard,
                widget_id,
                revision_given=query.get("revision"),
                revision=_revision(state),
                now=state.now_ms(),
            )
        else:
            body = await parse_body(request, UPDATE_WIDGET_BODY)
            if "query" in body:
                _check_query(body["query"])
            dashboard = _find(state, request.path_params["dashboard_id"])
            changed = engine.update_widget(
                dashboard, widget_id, body, revision=_revision(state), now=state.now_ms()
            )
    except DashboardError as error:
        raise _refused(error) from None
    _save(state, changed)
    return json_response(_dashboard(changed))


routes = [
    Route("/api/v1/query/dashboards", collection, methods=_METHODS),
    Route("/api/v1/query/dashboards/{dashboard_id}", one, methods=_METHODS),
    Route("/api/v1/query/dashboards/{dashboard_id}/widgets", widgets, methods=_METHODS),
    Route("/api/v1/query/dashboards/{dashboard_id}/widgets/{widget_id}", widget, methods=_METHODS),
]
