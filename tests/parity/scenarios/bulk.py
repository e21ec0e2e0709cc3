"""Bulk actions over runs: create (by ids, by filter), retrieve, list, abort, bad bodies."""

from __future__ import annotations

from typing import Any

from tests.parity.framework import Ctx, Req, Scenario
from tests.parity.scenarios._common import delayed, keep_ours, trigger

_BULK = "/api/v1/bulk-actions"


def _ids(ctx: Ctx) -> dict[str, Any]:
    return {
        "action": "cancel",
        "name": ctx.name("bulk-ids"),
        "runIds": [ctx.vars["a"], ctx.vars["b"]],
    }


SCENARIOS = [
    Scenario(
        name="bulk_cancel_by_ids",
        group="bulk",
        doc="Cancel two delayed runs by id; the action completes and the runs are canceled.",
        steps=[
            trigger("a", options=delayed("bulk")),
            trigger("b", options=delayed("bulk")),
            # The real server selects runs through its (lagging) runs store: wait for it.
            Req(
                "GET",
                "/api/v1/runs",
                params={"filter[tag]": "bulk-{u}"},
                until=lambda b: len(b["data"]) >= 2,
                name="both runs listed",
            ),
            Req("POST", _BULK, json=_ids, save={"bulk": "id"}, name="create"),
            Req(
                "GET",
                _BULK + "/{bulk}",
                until=lambda b: b["status"] == "COMPLETED",
                name="until completed",
            ),
            Req(
                "GET",
                "/api/v3/runs/{a}",
                until=lambda b: b["status"] == "CANCELED",
                name="run a canceled",
            ),
            Req(
                "GET",
                "/api/v1/runs",
                params={"filter[bulkAction]": "{bulk}"},
                until=lambda b: len(b["data"]) >= 2,
                view=lambda c, b: {
                    "count": len(b["data"]),
                    "statuses": sorted(r["status"] for r in b["data"]),
                },
                name="runs of the bulk action",
            ),
            Req("GET", _BULK, params={"page[size]": "100"}, view=keep_ours(), name="listed"),
            Req("POST", _BULK + "/{bulk}/abort", name="abort a completed action"),
        ],
        notes=["measured: bulk actions select runs through the runs store, ~1 s behind new runs"],
    ),
    Scenario(
        name="bulk_replay_by_filter",
        group="bulk",
        doc="Replay the runs a tag filter selects; abort after completion.",
        steps=[
            trigger("a", payload={"x": 1}, options=delayed("bulkf")),
            Req(
                "GET",
                "/api/v1/runs",
                params={"filter[tag]": "bulkf-{u}"},
                until=lambda b: len(b["data"]) >= 1,
                name="run listed",
            ),
            Req(
                "POST",
                _BULK,
                json=lambda c: {
                    "action": "replay",
                    "name": c.name("bulk-filter"),
                    "filter": {"tag": [c.name("bulkf")], "status": ["DELAYED"]},
                },
                save={"bulk": "id"},
                name="create",
            ),
            Req(
                "GET",
                _BULK + "/{bulk}",
                until=lambda b: b["status"] == "COMPLETED",
                name="until completed",
            ),
            Req(
                "GET",
                "/api/v1/runs",
                params={"filter[tag]": "bulkf-{u}"},
                until=lambda b: sorted(r["status"] for r in b["data"]) == ["COMPLETED", "DELAYED"],
                view=lambda c, b: {
                    "count": len(b["data"]),
                    "statuses": sorted(r["status"] for r in b["data"]),
                },
                name="the original and its (completed) replay",
            ),
        ],
    ),
    Scenario(
        name="bulk_errors",
        group="bulk",
        doc="Bulk bodies the server refuses; unknown ids; page sizes; keys only.",
        steps=[
            Req("POST", _BULK, json={"action": "cancel"}, name="neither filter nor runIds"),
            Req(
                "POST",
                _BULK,
                json={"action": "cancel", "runIds": ["run_x"], "filter": {"tag": ["t"]}},
                name="both",
            ),
            Req("POST", _BULK, json={"action": "cancel", "filter": {}}, name="empty filter"),
            Req("POST", _BULK, json={"action": "cancel", "runIds": []}, name="no run ids"),
            Req(
                "POST", _BULK, json={"action": "delete", "runIds": ["run_x"]}, name="unknown action"
            ),
            Req(
                "POST",
                _BULK,
                json={"action": "cancel", "runIds": [f"run_{i:024d}" for i in range(501)]},
                name="501 run ids",
            ),
            Req(
                "POST",
                _BULK,
                json={"action": "cancel", "runIds": ["run_x"], "targetRegion": "eu"},
                name="targetRegion on cancel",
            ),
            Req(
                "POST",
                _BULK,
                json={"action": "cancel", "name": "n" * 256, "runIds": ["run_x"]},
                name="name too long",
            ),
            Req("POST", _BULK, content=b"", name="empty body"),
            Req("GET", _BULK + "/bulk_doesnotexist000000000000", name="unknown"),
            Req("POST", _BULK + "/bulk_doesnotexist000000000000/abort", name="abort unknown"),
            Req("GET", _BULK, params={"page[size]": "0"}, name="page size 0"),
            Req("GET", _BULK, params={"page[size]": "101"}, name="page size 101"),
            Req(
                "GET", _BULK, params={"page[after]": "a", "page[before]": "b"}, name="both cursors"
            ),
            Req("GET", _BULK, auth="pat", name="PAT"),
        ],
    ),
]
