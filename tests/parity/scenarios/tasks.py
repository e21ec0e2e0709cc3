"""``POST /api/v1/tasks/{taskId}/trigger``: options, idempotency, bad bodies."""

from __future__ import annotations

from typing import Any

from tests.parity.framework import Ctx, Req, Scenario
from tests.parity.scenarios._common import delayed, trigger, wait_status

_TRIGGER = "/api/v1/tasks/hello/trigger"


def _options(ctx: Ctx) -> dict[str, Any]:
    return {
        "delay": "1h",
        "tags": [ctx.name("opt-b"), ctx.name("opt-a"), "  "],
        "metadata": {"step": 1, "nested": {"ok": True}},
        "ttl": "2h",
        "maxAttempts": 2,
        "priority": 10,
        "concurrencyKey": "ck-1",
        "machine": "small-1x",
        "test": True,
        "maxDuration": 60,
        "idempotencyKey": ctx.name("opt-key"),
        "idempotencyKeyTTL": "1h",
        "idempotencyKeyOptions": {"key": "user-key", "scope": "global"},
    }


def _long_metadata(ctx: Ctx) -> dict[str, Any]:
    return {"payload": None, "options": {"metadata": {"blob": "x" * 270_000}}}


SCENARIOS = [
    Scenario(
        name="tasks_trigger_executes",
        group="tasks",
        doc="Trigger the worker's `hello` task in dev and wait until it completed.",
        steps=[
            Req(
                "POST",
                _TRIGGER,
                json=lambda c: {"payload": {"name": "Ada"}, "options": {"tags": [c.name("exec")]}},
                save={"run": "id"},
                name="trigger",
            ),
            wait_status("run", name="completed"),
        ],
        notes=["dev runs of `hello` execute on the real server's official dev worker"],
    ),
    Scenario(
        name="tasks_trigger_options",
        group="tasks",
        doc="Trigger options as the run shows them (delayed, so nothing executes).",
        steps=[
            Req(
                "POST",
                _TRIGGER,
                json=lambda c: {"payload": [1, "two"], "options": _options(c)},
                save={"run": "id"},
                name="trigger with options",
            ),
            Req("GET", "/api/v3/runs/{run}", name="retrieve"),
            Req(
                "GET",
                "/api/v1/runs",
                params={"filter[tag]": "opt-a-{u}"},
                until=lambda b: len(b["data"]) >= 1,
                name="list row",
            ),
            Req(
                "POST",
                _TRIGGER,
                json=lambda c: {
                    "payload": "plain text",
                    "options": {
                        "delay": "1h",
                        "payloadType": "text/plain",
                        "queue": {"name": c.name("q")},
                    },
                },
                save={"text_run": "id"},
                name="text payload on a custom queue",
            ),
            Req("GET", "/api/v3/runs/{text_run}", name="retrieve text payload"),
            Req(
                "POST",
                _TRIGGER,
                json={"payload": {"d": 1}, "options": {"delay": "not a delay"}},
                save={"bad_delay": "id"},
                name="unparseable delay runs now",
            ),
            wait_status("bad_delay", name="unparseable delay completed"),
            Req(
                "POST",
                _TRIGGER,
                json={"options": {"delay": "1h"}},
                save={"no_payload": "id"},
                name="no payload at all",
            ),
            Req("GET", "/api/v3/runs/{no_payload}", name="retrieve without payload"),
        ],
    ),
    Scenario(
        name="tasks_trigger_idempotency",
        group="tasks",
        doc="Task idempotency keys: repeats are cached, per task; the header wins; TTL.",
        steps=[
            Req(
                "POST",
                _TRIGGER,
                json=lambda c: {
                    "payload": 1,
                    "options": {"delay": "1h", "idempotencyKey": c.name("k")},
                },
                save={"first": "id"},
                name="first",
            ),
            Req(
                "POST",
                _TRIGGER,
                json=lambda c: {
                    "payload": 2,
                    "options": {"delay": "1h", "idempotencyKey": c.name("k")},
                },
                name="repeat is cached",
            ),
            Req(
                "POST",
                "/api/v1/tasks/other-task/trigger",
                json=lambda c: {
                    "payload": 3,
                    "options": {"delay": "1h", "idempotencyKey": c.name("k")},
                },
                name="same key on another task",
            ),
            Req(
                "POST",
                _TRIGGER,
                headers={"idempotency-key": "h-{u}"},
                json=lambda c: {
                    "payload": 4,
                    "options": {"delay": "1h", "idempotencyKey": c.name("body")},
                },
                save={"header_run": "id"},
                name="header key",
            ),
            Req(
                "POST",
                _TRIGGER,
                json=lambda c: {
                    "payload": 5,
                    "options": {"delay": "1h", "idempotencyKey": f"h-{c.u}"},
                },
                name="body key equal to the header key is cached",
            ),
            Req(
                "POST",
                _TRIGGER,
                headers={"x-trigger-request-idempotency-key": "r-{u}"},
                json={"payload": 6, "options": {"delay": "1h"}},
                name="request idempotency header 1",
            ),
            Req(
                "POST",
                _TRIGGER,
                headers={"x-trigger-request-idempotency-key": "r-{u}"},
                json={"payload": 6, "options": {"delay": "1h"}},
                name="request idempotency header 2 (new run)",
            ),
            Req(
                "POST",
                _TRIGGER,
                json=lambda c: {"payload": 7, "options": {"idempotencyKey": c.name("done")}},
                save={"done": "id"},
                name="key on a run that completes",
            ),
            wait_status("done", record=False),
            Req(
                "POST",
                _TRIGGER,
                json=lambda c: {"payload": 8, "options": {"idempotencyKey": c.name("done")}},
                name="completed run keeps its key",
            ),
            Req("POST", "/api/v2/runs/{first}/cancel", name="cancel the first"),
            Req(
                "POST",
                _TRIGGER,
                json=lambda c: {
                    "payload": 9,
                    "options": {"delay": "1h", "idempotencyKey": c.name("k")},
                },
                name="canceled run keeps its key",
            ),
            Req("GET", "/api/v3/runs/{header_run}", name="retrieve shows the key"),
        ],
    ),
    Scenario(
        name="tasks_trigger_errors",
        group="tasks",
        doc="Bad bodies, methods, sizes and headers on the trigger route.",
        steps=[
            Req("POST", _TRIGGER, content=b"", name="empty body"),
            Req(
                "POST",
                _TRIGGER,
                content="{not json",
                headers={"content-type": "application/json"},
                name="invalid JSON",
            ),
            Req("POST", _TRIGGER, json=None, name="null"),
            Req("POST", _TRIGGER, json=0, name="zero"),
            Req("POST", _TRIGGER, json=[], name="array"),
            Req(
                "POST", _TRIGGER, json={"payload": 1, "options": "x"}, name="options not an object"
            ),
            Req(
                "POST",
                _TRIGGER,
                json={"payload": 1, "options": {"tags": 5, "maxAttempts": "x"}},
                name="two bad options",
            ),
            Req(
                "POST",
                _TRIGGER,
                json={"payload": 1, "options": {"tags": [f"t{i}" for i in range(11)]}},
                name="eleven tags",
            ),
            Req(
                "POST",
                _TRIGGER,
                json={"payload": 1, "options": {"tags": ["x" * 129]}},
                name="tag too long",
            ),
            Req("POST", _TRIGGER, json=_long_metadata, name="metadata too large"),
            Req(
                "POST",
                _TRIGGER,
                headers={"idempotency-key": "k" * 2049},
                json={"payload": 1},
                name="idempotency-key header too long",
            ),
            Req("GET", _TRIGGER, name="GET"),
            Req("PUT", _TRIGGER, json={"payload": 1}, name="PUT"),
        ],
    ),
    Scenario(
        name="tasks_trigger_environments",
        group="tasks",
        doc="Triggers with staging and prod keys (delayed), a task no worker declares (dev).",
        steps=[
            trigger("prod_run", options=delayed("prod"), auth="prod", name="prod trigger"),
            Req("GET", "/api/v3/runs/{prod_run}", auth="prod", name="prod run"),
            Req("GET", "/api/v3/runs/{prod_run}", auth="dev", name="prod run seen with a dev key"),
            trigger("stg_run", options=delayed("stg"), auth="stg", name="staging trigger"),
            Req("GET", "/api/v3/runs/{stg_run}", auth="stg", name="staging run"),
            trigger("unknown", task="no-such-task", payload={"x": 1}, name="unknown task"),
            wait_status("unknown", {"PENDING_VERSION"}, name="unknown task waits for a version"),
        ],
        notes=[
            "prod and staging runs stay queued on the real server (no containers here): "
            "this scenario only triggers delayed runs there"
        ],
    ),
    Scenario(
        name="tasks_trigger_locked_version",
        group="tasks",
        doc="`lockToVersion` naming a version no worker has.",
        steps=[
            Req(
                "POST",
                _TRIGGER,
                json={"payload": 1, "options": {"lockToVersion": "0.0.0-nope"}},
                name="unknown locked version",
            ),
        ],
        notes=["measured: 500 `Something went wrong` (SERVER.md §15), not the 422 of the code"],
    ),
]
