"""Queues: list, retrieve (by id, task, custom name), pause/resume, overrides; concurrency limits.

The queue that is paused and overridden is the one of the worker's scheduled task ``hourly``
(nothing else uses it); every change is undone before the scenario ends.
"""

from __future__ import annotations

from typing import Any

from tests.parity.framework import Ctx, Req, Scenario
from tests.parity.scenarios._common import html_page

_Q = "/api/v1/queues"


def _counts_hidden(ctx: Ctx, body: Any) -> Any:
    """Queue answers with ``running``/``queued`` hidden (others' runs move them)."""

    def one(item: Any) -> Any:
        if isinstance(item, dict) and "running" in item:
            return {**item, "running": "<count>", "queued": "<count>"}
        return item

    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return {**body, "data": [one(item) for item in body["data"]]}
    return one(body)


def _by_id(ctx: Ctx) -> None:
    response = ctx.request("GET", _Q + "/hourly", params={"type": "task"}, record=False)
    ctx.vars["qid"] = response.json().get("id")


SCENARIOS = [
    Scenario(
        name="queues_read",
        group="queues",
        doc="The project's queues (one per task of the worker) and the ways to name one.",
        steps=[
            Req("GET", _Q, view=_counts_hidden, name="list"),
            Req(
                "GET",
                _Q,
                params={"perPage": "1", "page": "2"},
                view=_counts_hidden,
                name="second page of one",
            ),
            Req("GET", _Q, params={"perPage": "500"}, view=_counts_hidden, name="perPage capped"),
            Req("GET", _Q, params={"page": "0"}, name="page 0"),
            Req("GET", _Q, params={"perPage": "x"}, name="perPage not a number"),
            _by_id,
            Req("GET", _Q + "/{qid}", view=_counts_hidden, name="by id"),
            Req(
                "GET",
                _Q + "/{qid}",
                params={"type": "id"},
                view=_counts_hidden,
                name="by id, explicit",
            ),
            Req(
                "GET", _Q + "/hourly", params={"type": "task"}, view=_counts_hidden, name="by task"
            ),
            Req(
                "GET",
                _Q + "/task%2Fhourly",
                params={"type": "task"},
                view=_counts_hidden,
                name="by task, prefixed",
            ),
            Req("GET", _Q + "/nothing-{u}", params={"type": "custom"}, name="unknown custom queue"),
            Req("GET", _Q + "/queue_doesnotexist00000000", name="unknown id"),
            Req("GET", _Q + "/hourly", params={"type": "bogus"}, name="bad type"),
            Req("GET", _Q, auth="pat", name="PAT"),
        ],
        notes=[
            "the real server's queues are the worker's task queues; a custom queue named at "
            "trigger does not exist there (its run waits for a version)"
        ],
    ),
    Scenario(
        name="queues_pause_override",
        group="queues",
        doc="Pause and resume, override and reset the concurrency limit (and their errors).",
        steps=[
            Req(
                "POST",
                _Q + "/hourly/pause",
                json={"action": "pause", "type": "task"},
                view=_counts_hidden,
                name="pause",
            ),
            Req(
                "POST",
                _Q + "/hourly/pause",
                json={"action": "pause", "type": "task"},
                view=_counts_hidden,
                name="pause again",
            ),
            Req(
                "POST",
                _Q + "/hourly/pause",
                json={"action": "resume", "type": "task"},
                view=_counts_hidden,
                name="resume",
            ),
            Req(
                "POST",
                _Q + "/hourly/pause",
                json={"action": "stop", "type": "task"},
                name="bad action",
            ),
            Req(
                "POST",
                _Q + "/nothing-{u}/pause",
                json={"action": "pause", "type": "custom"},
                name="pause unknown",
            ),
            Req(
                "POST",
                _Q + "/hourly/concurrency/override",
                json={"type": "task", "concurrencyLimit": 3},
                view=_counts_hidden,
                name="override",
            ),
            Req(
                "GET",
                _Q + "/hourly",
                params={"type": "task"},
                view=_counts_hidden,
                name="overridden",
            ),
            Req(
                "POST",
                _Q + "/hourly/concurrency/reset",
                json={"type": "task"},
                view=_counts_hidden,
                name="reset",
            ),
            Req(
                "POST", _Q + "/hourly/concurrency/reset", json={"type": "task"}, name="reset again"
            ),
            Req(
                "POST",
                _Q + "/hourly/concurrency/override",
                json={"type": "task", "concurrencyLimit": -1},
                name="negative limit",
            ),
            Req(
                "POST",
                _Q + "/hourly/concurrency/override",
                json={"type": "task", "concurrencyLimit": 100001},
                name="limit above max",
            ),
            Req(
                "POST", _Q + "/hourly/concurrency/override", json={"type": "task"}, name="no limit"
            ),
            Req(
                "POST",
                _Q + "/hourly/concurrency/override",
                json={"type": "task", "concurrencyLimit": 1, "percent": 50},
                name="limit and percent",
            ),
            Req(
                "POST",
                _Q + "/nothing-{u}/concurrency/override",
                json={"type": "custom", "concurrencyLimit": 1},
                name="override unknown",
            ),
            Req(
                "POST",
                _Q + "/nothing-{u}/concurrency/reset",
                json={"type": "custom"},
                name="reset unknown",
            ),
            Req("POST", _Q + "/hourly/concurrency/reset", content=b"", name="reset without a body"),
        ],
    ),
    Scenario(
        name="concurrency_limits",
        group="concurrency-limits",
        doc="`/api/v1/concurrency-limits` (a 4.8.3 client feature).",
        steps=[
            Req("GET", "/api/v1/concurrency-limits", view=html_page, name="list"),
            Req("GET", "/api/v1/concurrency-limits/none-{u}", view=html_page, name="retrieve"),
            Req(
                "POST",
                "/api/v1/concurrency-limits/none-{u}/override",
                json={"total": 1},
                view=html_page,
                name="override",
            ),
            Req(
                "POST",
                "/api/v1/concurrency-limits/none-{u}/reset",
                json={},
                view=html_page,
                name="reset",
            ),
            Req(
                "POST",
                "/api/v1/concurrency-limits/none-{u}/pause",
                json={"action": "pause"},
                view=html_page,
                name="pause",
            ),
        ],
        notes=[
            "the recorded server (4.5.12 snapshot) has no concurrency-limits routes: its answers "
            "are its dashboard's HTML 404 page, recorded as such"
        ],
    ),
]
