"""Steps several scenarios share: triggering runs, waiting for them, keeping our own items."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tests.parity.framework import Ctx

__all__ = [
    "FINAL",
    "delayed",
    "html_page",
    "keep_ours",
    "trigger",
    "wait_status",
]

FINAL = frozenset(
    {"COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"}
)
"""Final API statuses (current vocabulary)."""


def trigger(
    var: str,
    task: str = "hello",
    payload: Any = None,
    options: Mapping[str, Any] | Callable[[Ctx], Mapping[str, Any]] | None = None,
    *,
    auth: str = "dev",
    record: bool = True,
    name: str | None = None,
) -> Callable[[Ctx], None]:
    """A step triggering ``task``; the new run's id is remembered as ``var``."""

    def step(ctx: Ctx) -> None:
        body: dict[str, Any] = {"payload": payload}
        opts = options(ctx) if callable(options) else options
        if opts is not None:
            body["options"] = dict(opts)
        response = ctx.request(
            "POST",
            f"/api/v1/tasks/{task}/trigger",
            auth=auth,
            json=body,
            record=record,
            name=name,
        )
        ctx.vars[var] = response.json().get("id")

    return step


def delayed(tag_label: str | None = None, **more: Any) -> Callable[[Ctx], dict[str, Any]]:
    """Trigger options for a run that stays ``DELAYED`` for an hour (tagged when asked)."""

    def options(ctx: Ctx) -> dict[str, Any]:
        out: dict[str, Any] = {"delay": "1h", **more}
        if tag_label is not None:
            out["tags"] = [ctx.name(tag_label)]
        return out

    return options


def wait_status(
    var: str,
    statuses: frozenset[str] | set[str] = FINAL,
    *,
    auth: str = "dev",
    record: bool = True,
    name: str | None = None,
) -> Callable[[Ctx], None]:
    """Poll ``GET /api/v3/runs/{var}`` until the run's status is one of ``statuses``."""

    def step(ctx: Ctx) -> None:
        ctx.poll(
            "GET",
            f"/api/v3/runs/{{{var}}}",
            lambda body: body["status"] in statuses,
            auth=auth,
            record=record,
            name=name,
        )

    return step


def keep_ours(field: str = "name", key: str = "data") -> Callable[[Ctx, Any], Any]:
    """A view keeping only the list items whose ``field`` holds this run's unique token.

    The real server is shared with other users: its lists hold their items too.
    """

    def view(ctx: Ctx, body: Any) -> Any:
        if not isinstance(body, dict) or not isinstance(body.get(key), list):
            return body
        out = dict(body)
        out[key] = [item for item in body[key] if ctx.u in str(item.get(field, ""))]
        return out

    return view


def html_page(ctx: Ctx, body: Any) -> Any:
    """A view replacing an HTML page (the dashboard's 404 for a route the server lacks)."""
    if isinstance(body, str) and body.lstrip().lower().startswith(("<!doctype html", "<html")):
        return "<html page>"
    return body
