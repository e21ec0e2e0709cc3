"""Run streams (append, then the server-sent events read), prompts and webhooks the project
never declared: the parts of the 4.8.3 surface the recorded server can answer here."""

from __future__ import annotations

import re
from typing import Any

from tests.parity.framework import Ctx, Req, Scenario
from tests.parity.scenarios._common import delayed, trigger

_EVENT_ID = re.compile(r"^id: \S+$", re.MULTILINE)


def _events(ctx: Ctx, body: Any) -> Any:
    """A stream's SSE text with each event id replaced by a placeholder (their values are
    the backend's: Redis entry ids on the server, the emulator's own)."""
    if isinstance(body, str):
        return _EVENT_ID.sub("id: <event_id>", body)
    return body


_STREAM = "/realtime/v1/streams/{run}/self/progress/append"
_READ = {"timeout-seconds": "1"}

SCENARIOS = [
    Scenario(
        name="streams_append_read",
        group="realtime",
        doc="Parts appended to a run's stream through the API, then read back as events.",
        steps=[
            trigger("run", "hello", {"n": 1}, delayed()),
            Req("POST", _STREAM, content='{"step":"load"}', name="append a part"),
            Req("POST", _STREAM, content='{"step":"render"}', name="append another"),
            Req(
                "GET",
                "/realtime/v1/streams/{run}/progress",
                headers=_READ,
                view=_events,
                name="read them",
            ),
            Req(
                "GET",
                "/realtime/v1/streams/{run}/progress",
                headers={**_READ, "last-event-id": "0"},
                view=_events,
                name="read from event 0",
            ),
            Req("GET", "/realtime/v1/streams/{run}/nothing", headers=_READ, name="unwritten"),
            Req(
                "POST",
                "/realtime/v1/streams/{run}/parent/progress/append",
                content="{}",
                name="append to a parent it lacks",
            ),
            Req(
                "POST",
                "/realtime/v1/streams/run_doesnotexist0000000000/self/progress/append",
                content="{}",
                name="append to an unknown run",
            ),
            Req(
                "GET",
                "/realtime/v1/streams/run_doesnotexist0000000000/progress",
                headers=_READ,
                name="read an unknown run",
            ),
            Req(
                "GET",
                "/realtime/v1/streams/{run}/progress",
                auth=None,
                headers=_READ,
                name="read without a key",
            ),
        ],
    ),
    Scenario(
        name="prompts_undeclared",
        group="prompts",
        doc="The prompts of a project whose tasks declare none, and calls on an unknown slug.",
        steps=[
            Req("GET", "/api/v1/prompts", name="list"),
            Req("POST", "/api/v1/prompts/nope-{u}", json={}, name="resolve unknown"),
            Req("GET", "/api/v1/prompts/nope-{u}/versions", name="versions of unknown"),
            Req("POST", "/api/v1/prompts/nope-{u}/promote", json={"version": 1}, name="promote"),
            Req(
                "POST",
                "/api/v1/prompts/nope-{u}/promote",
                json={"version": 0},
                name="promote version 0",
            ),
            Req(
                "POST",
                "/api/v1/prompts/nope-{u}/override",
                json={"textContent": "Hi {{name}}"},
                name="override unknown",
            ),
            Req("POST", "/api/v1/prompts/nope-{u}/override", json={}, name="override no text"),
            Req(
                "PUT",
                "/api/v1/prompts/nope-{u}/override",
                json={"textContent": "Hello"},
                name="update override",
            ),
            Req("DELETE", "/api/v1/prompts/nope-{u}/override", name="remove override"),
            Req(
                "POST",
                "/api/v1/prompts/nope-{u}/override/reactivate",
                json={"version": 1},
                name="reactivate",
            ),
            Req("GET", "/api/v1/prompts", auth=None, name="list without a key"),
            Req("GET", "/api/v1/prompts", auth="pat", name="list with a PAT"),
        ],
    ),
    Scenario(
        name="webhooks_undeclared",
        group="webhooks",
        doc="Webhook endpoints and deliveries of a project that declares no endpoint.",
        steps=[
            Req("GET", "/api/v1/webhooks/endpoints", name="endpoints"),
            Req("GET", "/api/v1/webhooks/endpoints/wh_nope{u}", name="unknown endpoint"),
            Req(
                "POST",
                "/api/v1/webhooks/endpoints/wh_nope{u}/rotate-secret",
                json={},
                name="rotate unknown",
            ),
            Req(
                "POST",
                "/api/v1/webhooks/endpoints/wh_nope{u}/disable",
                name="disable unknown",
            ),
            Req("POST", "/api/v1/webhooks/endpoints/wh_nope{u}/enable", name="enable unknown"),
            Req("GET", "/api/v1/webhooks/deliveries", name="deliveries"),
            Req(
                "GET",
                "/api/v1/webhooks/deliveries",
                params={"filter[status]": "failed,succeeded", "page[size]": "5"},
                name="deliveries filtered",
            ),
            Req(
                "GET",
                "/api/v1/webhooks/deliveries",
                params={"filter[status]": "lost"},
                name="deliveries bad status",
            ),
            Req("GET", "/api/v1/webhooks/deliveries/whd_nope{u}", name="unknown delivery"),
            Req(
                "POST",
                "/api/v1/webhooks/deliveries/whd_nope{u}/replay",
                name="replay unknown",
            ),
            Req("GET", "/api/v1/webhooks/endpoints", auth=None, name="without a key"),
            Req("GET", "/api/v1/webhooks/endpoints", auth="pat", name="with a PAT"),
        ],
    ),
]
