"""Schedules (imperative, of the worker's scheduled task ``hourly``) and timezones.

Crons are chosen never to fire during a recording (1 January); every schedule made is
deleted before the scenario ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.parity.framework import Ctx, Req, Scenario

_S = "/api/v1/schedules"
_CRON = "0 0 1 1 *"


def _ours(ctx: Ctx, body: Any) -> Any:
    """Our schedules only; the page counters cover everyone's."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return body
    ours = [
        s
        for s in body["data"]
        if ctx.u in str(s.get("externalId")) + str(s.get("deduplicationKey"))
    ]
    return {"data": ours, "pagination": sorted(body.get("pagination", {}))}


def _timezones(ctx: Ctx, body: Any) -> Any:
    """The first few names and whether some well-known ones are there (ICU versions differ)."""
    if not isinstance(body, dict) or not isinstance(body.get("timezones"), list):
        return body
    names = body["timezones"]
    wanted = ["UTC", "Europe/London", "America/New_York", "Asia/Tokyo", "Etc/GMT+5"]
    return {
        "first": names[:2],
        "has": {name: name in names for name in wanted},
        "sorted_after_utc": names[1:] == sorted(names[1:])
        if names and names[0] == "UTC"
        else names == sorted(names),
    }


def _create(cron: str = _CRON, **more: Any) -> Callable[[Ctx], dict[str, Any]]:
    def body(ctx: Ctx) -> dict[str, Any]:
        return {
            "task": "hourly",
            "cron": cron,
            "deduplicationKey": ctx.name("dedup"),
            "externalId": ctx.name("ext"),
            **more,
        }

    return body


SCENARIOS = [
    Scenario(
        name="schedules_lifecycle",
        group="schedules",
        doc="Create, read, list, update, deactivate, activate, delete an imperative schedule.",
        steps=[
            Req(
                "POST",
                _S,
                json=_create(timezone="Europe/London"),
                save={"sched": "id"},
                name="create",
            ),
            Req(
                "POST",
                _S,
                json=_create(cron="0 0 2 1 *", timezone="Europe/London"),
                name="create again with the same deduplication key",
            ),
            Req("GET", _S + "/{sched}", name="retrieve"),
            Req("GET", _S + "/dedup-{u}", name="retrieve by deduplication key"),
            Req("GET", _S, params={"perPage": "100"}, view=_ours, name="list (ours)"),
            Req(
                "PUT",
                _S + "/{sched}",
                json=lambda c: {"task": "hourly", "cron": "30 1 1 1 *"},
                name="update (timezone and externalId reset)",
            ),
            Req("POST", _S + "/{sched}/deactivate", name="deactivate"),
            Req("GET", _S + "/{sched}", name="inactive"),
            Req("POST", _S + "/{sched}/activate", name="activate"),
            Req("DELETE", _S + "/{sched}", name="delete"),
            Req("GET", _S + "/{sched}", name="deleted"),
            Req("DELETE", _S + "/{sched}", name="delete again"),
        ],
    ),
    Scenario(
        name="schedules_errors",
        group="schedules",
        doc="Bad crons, timezones, bodies; unknown ids; wrong methods; PUT that creates.",
        steps=[
            Req("POST", _S, json=_create(cron="not a cron"), name="bad cron"),
            Req(
                "POST",
                _S,
                json=lambda c: {
                    "task": "hourly",
                    "cron": "* * * * *",
                    "deduplicationKey": c.name("minute"),
                },
                save={"minute": "id"},
                name="every minute",
            ),
            Req("DELETE", _S + "/{minute}", name="delete it at once"),
            Req("POST", _S, json=_create(timezone="Mars/Olympus"), name="bad timezone"),
            Req("POST", _S, json={"task": "hourly"}, name="missing fields"),
            Req(
                "POST",
                _S,
                json=lambda c: {
                    "task": "no-such-task",
                    "cron": _CRON,
                    "deduplicationKey": c.name("x"),
                },
                name="unknown task",
            ),
            Req(
                "POST",
                _S,
                json=lambda c: {"task": "hello", "cron": _CRON, "deduplicationKey": c.name("y")},
                name="a task that is not scheduled",
            ),
            Req(
                "POST",
                _S,
                content="{",
                headers={"content-type": "application/json"},
                name="invalid JSON",
            ),
            Req("GET", _S + "/sched_doesnotexist0000000000", name="unknown id"),
            Req("POST", _S + "/sched_doesnotexist0000000000/activate", name="activate unknown"),
            Req("DELETE", _S + "/sched_doesnotexist0000000000", name="delete unknown"),
            Req(
                "PUT",
                _S + "/sched_doesnotexist0000000000",
                json=lambda c: {"task": "hourly", "cron": _CRON, "externalId": c.name("put")},
                save={"created": "id"},
                name="PUT on an unknown id creates",
            ),
            Req("DELETE", _S + "/{created}", name="delete what PUT created"),
            Req("GET", _S, params={"page": "0"}, name="page 0"),
            Req("GET", _S, params={"perPage": "x"}, name="perPage not a number"),
            Req("PATCH", _S, json={}, name="PATCH the collection"),
            Req("GET", _S, auth="bad", name="bad key"),
            Req("GET", _S, auth="pat", name="PAT"),
        ],
    ),
    Scenario(
        name="schedules_timezones",
        group="schedules",
        doc="`GET /api/v1/timezones` (no key needed).",
        steps=[
            Req(
                "GET",
                "/api/v1/timezones",
                auth=None,
                version_header=False,
                view=_timezones,
                name="all",
            ),
            Req(
                "GET",
                "/api/v1/timezones",
                auth=None,
                params={"excludeUtc": "true"},
                view=_timezones,
                name="excluding UTC",
            ),
            Req(
                "GET",
                "/api/v1/timezones",
                auth=None,
                params={"excludeUtc": "false"},
                view=_timezones,
                name="excludeUtc=false",
            ),
            Req("GET", "/api/v1/timezones", auth="dev", view=_timezones, name="with a key"),
        ],
        notes=["the list itself is the runtime's time zone database: only its shape is compared"],
    ),
]
