"""Batches: the two-phase v3 API (create, NDJSON items), v2/v1 one-shot endpoints, reads."""

from __future__ import annotations

import json
from typing import Any

from tests.parity.framework import Ctx, Req, Scenario

_NDJSON = {"content-type": "application/x-ndjson"}


def _lines(*items: dict[str, Any]) -> str:
    return "".join(json.dumps(item) + "\n" for item in items)


def _item(index: int, ctx: Ctx, **more: Any) -> dict[str, Any]:
    return {
        "index": index,
        "task": "hello",
        "payload": {"i": index},
        "options": {"tags": [ctx.name("batch")], **more},
    }


def _runs_of_batch_sorted(ctx: Ctx, body: Any) -> Any:
    # Which run got which index is the server's business; the set of runs is not.
    if isinstance(body, dict) and isinstance(body.get("runs"), list):
        return {**body, "runs": sorted(body["runs"])}
    return body


SCENARIOS = [
    Scenario(
        name="batches_v3_two_phase",
        group="batches",
        doc="Create a batch, stream its items as NDJSON, read it until its runs completed.",
        steps=[
            Req(
                "POST",
                "/api/v3/batches",
                json={"runCount": 2, "taskIdentifiers": ["hello"]},
                save={"batch": "id"},
                name="create",
            ),
            Req("GET", "/api/v1/batches/{batch}", name="retrieve v1 before items"),
            Req("GET", "/api/v2/batches/{batch}", name="retrieve v2 before items"),
            Req(
                "POST",
                "/api/v3/batches/{batch}/items",
                headers=_NDJSON,
                content=lambda c: _lines(_item(0, c), _item(1, c)),
                name="stream both items",
            ),
            Req(
                "POST",
                "/api/v3/batches/{batch}/items",
                headers=_NDJSON,
                content=lambda c: _lines(_item(0, c)),
                name="stream again after sealing",
            ),
            Req(
                "GET",
                "/api/v2/batches/{batch}",
                until=lambda b: b["status"] == "COMPLETED",
                view=_runs_of_batch_sorted,
                name="v2 until completed",
            ),
            Req("GET", "/api/v1/batches/{batch}", view=_runs_of_batch_sorted, name="v1 completed"),
            Req(
                "GET",
                "/api/v1/runs",
                params={"filter[batch]": "{batch}", "filter[status]": "COMPLETED"},
                until=lambda b: len(b["data"]) >= 2,
                view=lambda c, b: {
                    "count": len(b["data"]),
                    "tasks": sorted(r["taskIdentifier"] for r in b["data"]),
                },
                name="its runs in the list (count)",
            ),
            Req("GET", "/api/v1/batches/{batch}/results", name="results"),
        ],
        notes=["measured: a completed batch's results are empty (SERVER.md §15)"],
    ),
    Scenario(
        name="batches_v3_partial_stream",
        group="batches",
        doc="A short stream leaves the batch unsealed; re-sending an index deduplicates it.",
        steps=[
            Req(
                "POST",
                "/api/v3/batches",
                json={"runCount": 3, "taskIdentifiers": ["hello"]},
                save={"batch": "id"},
                name="create for 3",
            ),
            Req(
                "POST",
                "/api/v3/batches/{batch}/items",
                headers=_NDJSON,
                content=lambda c: _lines(_item(0, c, delay="1h")),
                name="one of three",
            ),
            Req(
                "POST",
                "/api/v3/batches/{batch}/items",
                headers={"content-type": "application/ndjson"},
                content=lambda c: _lines(_item(0, c, delay="1h"), _item(1, c, delay="1h")),
                name="index 0 again and index 1",
            ),
            Req("GET", "/api/v2/batches/{batch}", name="still pending"),
            Req(
                "POST",
                "/api/v3/batches/{batch}/items",
                headers=_NDJSON,
                content=lambda c: _lines(_item(5, c)),
                name="index beyond runCount",
            ),
            Req(
                "POST",
                "/api/v3/batches/{batch}/items",
                headers=_NDJSON,
                content="{not json\n",
                name="a line that is not JSON",
            ),
            Req(
                "POST",
                "/api/v3/batches/{batch}/items",
                headers=_NDJSON,
                content=lambda c: _lines({"index": 2}),
                name="an item without a task",
            ),
            Req(
                "POST",
                "/api/v3/batches/{batch}/items",
                headers=_NDJSON,
                content=b"",
                name="no body",
            ),
            Req(
                "POST",
                "/api/v3/batches/{batch}/items",
                json={"index": 2, "task": "hello"},
                name="JSON content type",
            ),
            Req("GET", "/api/v3/batches/{batch}/items", name="GET items"),
        ],
    ),
    Scenario(
        name="batches_v3_errors",
        group="batches",
        doc="Bad batch creations, a repeated idempotency key, unknown batches.",
        steps=[
            Req("POST", "/api/v3/batches", json={"runCount": 0}, name="runCount 0"),
            Req("POST", "/api/v3/batches", json={"runCount": 1.5}, name="runCount not an int"),
            Req("POST", "/api/v3/batches", json={"runCount": 1001}, name="runCount over 1000"),
            Req("POST", "/api/v3/batches", json={}, name="no runCount"),
            Req("POST", "/api/v3/batches", content=b"", name="empty body"),
            Req(
                "POST",
                "/api/v3/batches",
                json=lambda c: {
                    "runCount": 1,
                    "taskIdentifiers": ["hello"],
                    "idempotencyKey": c.name("bk"),
                },
                save={"keyed": "id"},
                name="with an idempotency key",
            ),
            Req(
                "POST",
                "/api/v3/batches",
                json=lambda c: {
                    "runCount": 1,
                    "taskIdentifiers": ["hello"],
                    "idempotencyKey": c.name("bk"),
                },
                name="the same idempotency key again",
            ),
            Req("GET", "/api/v1/batches/{keyed}", name="the keyed batch"),
            Req("GET", "/api/v1/batches/batch_doesnotexist000000000", name="unknown v1"),
            Req("GET", "/api/v2/batches/batch_doesnotexist000000000", name="unknown v2"),
            Req(
                "GET", "/api/v1/batches/batch_doesnotexist000000000/results", name="unknown results"
            ),
            Req(
                "POST",
                "/api/v3/batches/batch_doesnotexist000000000/items",
                headers=_NDJSON,
                content=lambda c: _lines(_item(0, c)),
                name="items of an unknown batch",
            ),
            Req("GET", "/api/v3/batches", name="GET create"),
            Req("GET", "/api/v1/batches/{keyed}", auth="prod", name="from another environment"),
        ],
    ),
    Scenario(
        name="batches_one_shot",
        group="batches",
        doc="`POST /api/v2/tasks/batch`, `/api/v1/tasks/batch`, `/api/v1/tasks/{task}/batch`.",
        steps=[
            Req(
                "POST",
                "/api/v2/tasks/batch",
                json=lambda c: {
                    "items": [
                        {
                            "task": "hello",
                            "payload": {"v": 2},
                            "options": {"delay": "1h", "tags": [c.name("v2")]},
                        }
                    ]
                },
                save={"v2": "id"},
                name="v2",
            ),
            Req(
                "GET", "/api/v1/batches/{v2}", until=lambda b: len(b["runs"]) >= 1, name="v2 batch"
            ),
            Req("POST", "/api/v2/tasks/batch", json={"items": []}, name="v2 without items"),
            Req(
                "POST",
                "/api/v1/tasks/batch",
                json=lambda c: {
                    "items": [
                        {"task": "hello", "payload": {"v": 1}, "options": {"delay": "1h"}},
                        {
                            "task": "other-task",
                            "payload": {"v": 1},
                            "options": {"delay": "1h", "idempotencyKey": c.name("ik")},
                        },
                    ]
                },
                save={"v1": "id"},
                name="v1",
            ),
            Req("POST", "/api/v1/tasks/batch", json={"items": []}, name="v1 without items"),
            Req(
                "POST",
                "/api/v1/tasks/hello/batch",
                json={
                    "items": [
                        {"payload": {"t": 1}, "options": {"delay": "1h"}},
                        {"payload": {"t": 2}, "options": {"delay": "1h"}},
                    ]
                },
                name="per task",
            ),
            Req(
                "POST",
                "/api/v1/tasks/hello/batch",
                json={"items": []},
                name="per task without items",
            ),
            Req(
                "POST",
                "/api/v1/tasks/hello/batch",
                json={"items": [{"payload": i} for i in range(101)]},
                name="per task over 100",
            ),
            Req("POST", "/api/v2/tasks/batch", json={"items": "x"}, name="v2 bad body"),
        ],
    ),
]
