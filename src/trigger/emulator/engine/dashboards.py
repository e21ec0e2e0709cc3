"""Custom query dashboards: pure state transitions (no clock reads, no I/O).

The 4.8.3 server's dashboard routes are not in the snapshot the emulator is checked
against; these rules follow the 4.8.3 client's schemas and documentation, and the
snapshot's dashboard editor (``useDashboardEditor.ts``) for placement: a widget without a
position goes full width (``w`` 12) at the bottom, 2 rows high for a title and 15 for the
others. Every write gives the dashboard a new ``revision``; a write naming another
revision than the current one is refused (409).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

__all__ = [
    "DashboardError",
    "DashboardState",
    "WidgetState",
    "add_widget",
    "check_revision",
    "create",
    "delete_widget",
    "replace",
    "update",
    "update_widget",
]

GRID_COLUMNS = 12
TITLE_HEIGHT = 2
WIDGET_HEIGHT = 15


class DashboardError(Exception):
    """A refused write: the status and message to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class WidgetState(msgspec.Struct, frozen=True, kw_only=True):
    """One widget: its query, display (the validated wire object) and grid position."""

    id: str
    title: str
    query: str = ""
    display: dict[str, Any]
    fill_gaps: bool | None = None
    x: int
    y: int
    w: int
    h: int


class DashboardState(msgspec.Struct, frozen=True, kw_only=True):
    """A custom dashboard of the project."""

    id: str
    """The ``dashboard_…`` id."""
    title: str
    description: str = ""
    revision: str
    created_at: int
    updated_at: int
    widgets: tuple[WidgetState, ...] = ()


def check_revision(dashboard: DashboardState, revision: str | None) -> None:
    """Refuse a write made against another revision than the current one."""
    if revision is not None and revision != dashboard.revision:
        raise DashboardError(
            409,
            f"Dashboard {dashboard.id} has changed since revision {revision} (it is at "
            f"revision {dashboard.revision}); retrieve it and try again",
        )


def _bottom(widgets: Sequence[WidgetState]) -> int:
    return max((w.y + w.h for w in widgets), default=0)


def _widget(given: Mapping[str, Any], widget_id: str, placed: Sequence[WidgetState]) -> WidgetState:
    """A widget from its validated input, stacked at the bottom without a position."""
    position = given.get("position")
    if position is None:
        title_row = given["display"]["type"] == "title"
        position = {
            "x": 0,
            "y": _bottom(placed),
            "w": GRID_COLUMNS,
            "h": TITLE_HEIGHT if title_row else WIDGET_HEIGHT,
        }
    return WidgetState(
        id=widget_id,
        title=given["title"],
        query=given.get("query", ""),
        display=dict(given["display"]),
        fill_gaps=given.get("fillGaps"),
        x=int(position["x"]),
        y=int(position["y"]),
        w=int(position["w"]),
        h=int(position["h"]),
    )


def _unique_ids(inputs: Sequence[Mapping[str, Any]]) -> None:
    seen: set[str] = set()
    for given in inputs:
        widget_id = given.get("id")
        if widget_id is None:
            continue
        if widget_id in seen:
            raise DashboardError(400, f'Widget id "{widget_id}" is used more than once')
        seen.add(widget_id)


def _new_id(make_id: Callable[[], str], taken: set[str]) -> str:
    while True:
        candidate = make_id()
        if candidate not in taken:
            return candidate


def _id_for(given: Mapping[str, Any], make_id: Callable[[], str], taken: set[str]) -> str:
    widget_id = given.get("id") or _new_id(make_id, taken)
    taken.add(widget_id)
    return str(widget_id)


def _build(
    inputs: Sequence[Mapping[str, Any]],
    make_id: Callable[[], str],
    kept: Mapping[str, WidgetState],
) -> tuple[WidgetState, ...]:
    """The widgets of ``inputs`` in order: those matching ``kept`` by id keep their position
    unless given one; the others without a position are stacked below all the rest."""
    _unique_ids(inputs)
    taken = {str(given["id"]) for given in inputs if "id" in given}
    # First the widgets that have a place (given, or kept from before), then the others
    # stacked below them, in order.
    slots: list[WidgetState | None] = []
    for given in inputs:
        old = kept.get(given["id"]) if "id" in given else None
        if "position" in given:
            slots.append(_widget(given, _id_for(given, make_id, taken), []))
        elif old is not None:
            position = {"x": old.x, "y": old.y, "w": old.w, "h": old.h}
            slots.append(_widget({**given, "position": position}, old.id, []))
        else:
            slots.append(None)
    placed = [widget for widget in slots if widget is not None]
    out: list[WidgetState] = []
    for given, slot in zip(inputs, slots, strict=True):
        if slot is None:
            slot = _widget(given, _id_for(given, make_id, taken), placed)
            placed.append(slot)
        out.append(slot)
    return tuple(out)


def create(
    *,
    dashboard_id: str,
    body: Mapping[str, Any],
    make_widget_id: Callable[[], str],
    revision: str,
    now: int,
) -> DashboardState:
    """A new dashboard from a validated create body."""
    return DashboardState(
        id=dashboard_id,
        title=body["title"],
        description=body.get("description", ""),
        revision=revision,
        created_at=now,
        updated_at=now,
        widgets=_build(body.get("widgets", []), make_widget_id, {}),
    )


def _written(dashboard: DashboardState, revision: str, now: int, **changes: Any) -> DashboardState:
    return msgspec.structs.replace(dashboard, revision=revision, updated_at=now, **changes)


def update(
    dashboard: DashboardState, body: Mapping[str, Any], *, revision: str, now: int
) -> DashboardState:
    """A renamed or re-described dashboard."""
    check_revision(dashboard, body.get("revision"))
    changes = {key: body[key] for key in ("title", "description") if key in body}
    return _written(dashboard, revision, now, **changes)


def replace(
    dashboard: DashboardState,
    body: Mapping[str, Any],
    *,
    make_widget_id: Callable[[], str],
    revision: str,
    now: int,
) -> DashboardState:
    """Every widget replaced; widgets kept by id keep their place unless given one."""
    check_revision(dashboard, body.get("revision"))
    kept = {widget.id: widget for widget in dashboard.widgets}
    changes: dict[str, Any] = {key: body[key] for key in ("title", "description") if key in body}
    changes["widgets"] = _build(body["widgets"], make_widget_id, kept)
    return _written(dashboard, revision, now, **changes)


def add_widget(
    dashboard: DashboardState,
    body: Mapping[str, Any],
    *,
    make_widget_id: Callable[[], str],
    revision: str,
    now: int,
) -> tuple[DashboardState, str]:
    """The dashboard with one more widget, and that widget's id."""
    check_revision(dashboard, body.get("revision"))
    taken = {widget.id for widget in dashboard.widgets}
    widget_id = body.get("id")
    if widget_id in taken:
        raise DashboardError(400, f'Widget id "{widget_id}" is already on this dashboard')
    widget = _widget(body, widget_id or _new_id(make_widget_id, taken), dashboard.widgets)
    return _written(dashboard, revision, now, widgets=(*dashboard.widgets, widget)), widget.id


def _find(dashboard: DashboardState, widget_id: str) -> int:
    for index, widget in enumerate(dashboard.widgets):
        if widget.id == widget_id:
            return index
    raise DashboardError(404, "Widget not found")


def update_widget(
    dashboard: DashboardState,
    widget_id: str,
    body: Mapping[str, Any],
    *,
    revision: str,
    now: int,
) -> DashboardState:
    """The dashboard with one widget's fields changed."""
    index = _find(dashboard, widget_id)
    check_revision(dashboard, body.get("revision"))
    old = dashboard.widgets[index]
    changes: dict[str, Any] = {}
    for wire, field in (
        ("title", "title"),
        ("query", "query"),
        ("display", "display"),
        ("fillGaps", "fill_gaps"),
    ):
        if wire in body:
            changes[field] = body[wire]
    if "position" in body:
        changes.update({key: int(body["position"][key]) for key in ("x", "y", "w", "h")})
    widgets = list(dashboard.widgets)
    widgets[index] = msgspec.structs.replace(old, **changes)
    return _written(dashboard, revision, now, widgets=tuple(widgets))


def delete_widget(
    dashboard: DashboardState,
    widget_id: str,
    *,
    revision_given: str | None,
    revision: str,
    now: int,
) -> DashboardState:
    """The dashboard without one widget."""
    index = _find(dashboard, widget_id)
    check_revision(dashboard, revision_given)
    widgets = dashboard.widgets[:index] + dashboard.widgets[index + 1 :]
    return _written(dashboard, revision, now, widgets=widgets)
