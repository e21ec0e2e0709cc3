"""Runs: retrieve, list (filters, pages), cancel, replay, reschedule, tags, metadata, result."""

from __future__ import annotations

from collections.abc import Callable

from tests.parity.framework import Ctx, Req, Scenario, Step
from tests.parity.scenarios._common import delayed, trigger, wait_status

_LIST = "/api/v1/runs"


def _many(var_prefix: str, count: int, label: str) -> list[Step]:
    return [
        trigger(f"{var_prefix}{i}", payload={"i": i}, options=delayed(label), record=False)
        for i in range(count)
    ]


def _follow(
    name: str, which: str, source_var: str, target_var: str, size: str = "2"
) -> Callable[[Ctx], None]:
    """Follow ``pagination.<which>`` of the page remembered as ``source_var``."""

    def step(ctx: Ctx) -> None:
        page = ctx.vars[source_var]
        cursor = page["pagination"].get(which)
        param = "page[after]" if which == "next" else "page[before]"
        response = ctx.request(
            "GET",
            _LIST,
            params={"filter[tag]": ctx.name("page"), "page[size]": size, param: cursor or ""},
            name=name,
        )
        ctx.vars[target_var] = response.json()

    return step


def _page(name: str, var: str, size: str = "2") -> Callable[[Ctx], None]:
    def step(ctx: Ctx) -> None:
        ctx.wait(
            "GET",
            _LIST,
            lambda b: len(b["data"]) >= 5,
            params={"filter[tag]": ctx.name("page"), "page[size]": "100"},
        )
        response = ctx.request(
            "GET", _LIST, params={"filter[tag]": ctx.name("page"), "page[size]": size}, name=name
        )
        ctx.vars[var] = response.json()

    return step


SCENARIOS = [
    Scenario(
        name="runs_retrieve",
        group="runs",
        doc="Retrieve a run: unknown ids, the legacy status vocabulary, a completed run.",
        steps=[
            Req("GET", "/api/v3/runs/run_doesnotexist00000000000", name="unknown id"),
            Req("GET", "/api/v3/runs/not-a-run-id", name="malformed id"),
            trigger("run", options=delayed("ret")),
            Req("GET", "/api/v3/runs/{run}", name="delayed run"),
            Req("GET", "/api/v3/runs/{run}", version_header=False, name="without the API version"),
            Req("GET", "/api/v3/runs/{run}", auth="prod", name="from another environment"),
            trigger("done", payload={"n": 1}),
            wait_status("done", name="completed run"),
            Req("GET", "/api/v3/runs/{done}", version_header=False, name="completed, legacy"),
            Req("POST", "/api/v3/runs/{run}", json={}, name="POST"),
            Req("DELETE", "/api/v3/runs/{run}", name="DELETE"),
            Req("POST", _LIST, json={}, name="POST on the list"),
        ],
    ),
    Scenario(
        name="runs_list_filters",
        group="runs",
        doc="List filters and their validation (delayed runs with this run's tags).",
        steps=[
            trigger("a", payload=1, options=delayed("flt")),
            trigger(
                "b",
                payload=2,
                options=lambda c: {"delay": "1h", "tags": [c.name("flt"), c.name("flt2")]},
            ),
            trigger("c", task="other-task", payload=3, options=delayed("flt")),
            trigger(
                "d",
                payload=4,
                options=lambda c: {"delay": "1h", "tags": [c.name("flt")], "test": True},
            ),
            Req(
                "GET",
                _LIST,
                params={"filter[tag]": "flt-{u}"},
                until=lambda b: len(b["data"]) >= 4,
                name="by tag",
            ),
            Req(
                "GET", _LIST, params={"filter[tag]": "flt2-{u},nothing-{u}"}, name="any of two tags"
            ),
            Req(
                "GET",
                _LIST,
                params={"filter[tag]": "flt-{u}", "filter[taskIdentifier]": "other-task"},
                name="by task",
            ),
            Req(
                "GET",
                _LIST,
                params={"filter[tag]": "flt-{u}", "filter[status]": "DELAYED"},
                name="by status",
            ),
            Req(
                "GET",
                _LIST,
                params={"filter[tag]": "flt-{u}", "filter[status]": "QUEUED,COMPLETED"},
                name="by statuses that match nothing",
            ),
            Req(
                "GET",
                _LIST,
                params={"filter[tag]": "flt-{u}", "filter[isTest]": "true"},
                name="test runs",
            ),
            Req(
                "GET",
                _LIST,
                params={"filter[tag]": "flt-{u}", "filter[createdAt][period]": "1h"},
                name="period",
            ),
            Req(
                "GET",
                _LIST,
                params={
                    "filter[tag]": "flt-{u}",
                    "filter[createdAt][from]": "0",
                    "filter[createdAt][to]": "1000",
                },
                name="from/to far in the past",
            ),
            Req(
                "GET",
                _LIST,
                params={"filter[tag]": "flt-{u}", "filter[status]": "NOPE,DELAYED,ALSO"},
                name="bad status",
            ),
            Req("GET", _LIST, params={"filter[isTest]": "maybe"}, name="bad isTest"),
            Req("GET", _LIST, params={"filter[machine]": "huge-9x"}, name="bad machine"),
            Req("GET", _LIST, params={"filter[createdAt][from]": "not a date"}, name="bad from"),
            Req(
                "GET",
                _LIST,
                params={"filter[tag]": "flt-{u}", "filter[status]": ""},
                name="empty status is ignored",
            ),
        ],
    ),
    Scenario(
        name="runs_list_pagination",
        group="runs",
        doc="Page sizes (default 25, max 100, bad values) and cursors both ways.",
        steps=[
            *_many("p", 5, "page"),
            _page("first page of 2", "page1"),
            _follow("next page", "next", "page1", "page2"),
            _follow("last page", "next", "page2", "page3"),
            _follow("back from the last page", "previous", "page3", "back"),
            Req(
                "GET",
                _LIST,
                params={"filter[tag]": "page-{u}", "page[size]": "100"},
                name="max size",
            ),
            Req("GET", _LIST, params={"page[size]": "101"}, name="size above max"),
            Req("GET", _LIST, params={"page[size]": "0"}, name="size zero"),
            Req("GET", _LIST, params={"page[size]": "abc"}, name="size not a number"),
            Req("GET", _LIST, params={"page[size]": "2.5"}, name="size not an int"),
            Req(
                "GET",
                _LIST,
                params={"filter[tag]": "page-{u}", "page[after]": "garbage"},
                name="garbage cursor",
            ),
        ],
    ),
    Scenario(
        name="runs_list_default_size",
        group="runs",
        doc="26 runs: the default page holds 25 and says there is more.",
        steps=[
            *_many("r", 26, "dflt"),
            Req(
                "GET",
                _LIST,
                params={"filter[tag]": "dflt-{u}", "page[size]": "100"},
                until=lambda b: len(b["data"]) >= 26,
                view=lambda c, b: {"count": len(b["data"])},
                name="all 26 (count only)",
            ),
            Req(
                "GET",
                _LIST,
                params={"filter[tag]": "dflt-{u}"},
                view=lambda c, b: {"count": len(b["data"]), "pagination": sorted(b["pagination"])},
                name="default page (count and cursors)",
            ),
        ],
    ),
    Scenario(
        name="runs_cancel",
        group="runs",
        doc="Cancel a delayed run (idempotent), an unknown run, the wrong method.",
        steps=[
            trigger("run", options=delayed("cancel")),
            Req("POST", "/api/v2/runs/{run}/cancel", name="cancel"),
            Req("GET", "/api/v3/runs/{run}", name="canceled"),
            Req("POST", "/api/v2/runs/{run}/cancel", name="cancel again"),
            Req("POST", "/api/v2/runs/run_doesnotexist00000000000/cancel", name="unknown"),
            Req("GET", "/api/v2/runs/{run}/cancel", name="GET"),
            Req("PUT", "/api/v2/runs/{run}/cancel", name="PUT"),
            trigger("done"),
            wait_status("done", record=False),
            Req("POST", "/api/v2/runs/{done}/cancel", name="cancel a completed run"),
            Req("GET", "/api/v3/runs/{done}", name="still completed"),
        ],
    ),
    Scenario(
        name="runs_replay",
        group="runs",
        doc="Replay copies a run's inputs into a new run.",
        steps=[
            trigger(
                "run",
                payload={"r": 1},
                options=lambda c: {
                    "delay": "1h",
                    "tags": [c.name("replay")],
                    "metadata": {"m": 1},
                    "concurrencyKey": "ck",
                    "machine": "micro",
                    "maxAttempts": 3,
                    "idempotencyKey": c.name("replay-key"),
                },
            ),
            Req("POST", "/api/v1/runs/{run}/replay", save={"copy": "id"}, name="replay"),
            wait_status("copy", name="the copy completes"),
            Req("POST", "/api/v1/runs/run_doesnotexist00000000000/replay", name="unknown"),
            Req("GET", "/api/v1/runs/{run}/replay", name="GET"),
            Req("PUT", "/api/v1/runs/{run}/replay", name="PUT"),
        ],
    ),
    Scenario(
        name="runs_reschedule",
        group="runs",
        doc="Reschedule: delayed runs only; bad bodies and delays; unknown runs.",
        steps=[
            trigger("run", options=delayed("resched")),
            Req("POST", "/api/v1/runs/{run}/reschedule", json={"delay": "2h"}, name="reschedule"),
            Req(
                "POST",
                "/api/v1/runs/{run}/reschedule",
                json={"delay": "2026-01-01T00:00:00Z"},
                name="to a past date",
            ),
            Req("POST", "/api/v1/runs/{run}/reschedule", json={"delay": "soon"}, name="bad delay"),
            Req("POST", "/api/v1/runs/{run}/reschedule", json={"when": "2h"}, name="bad body"),
            Req(
                "POST",
                "/api/v1/runs/{run}/reschedule",
                content="{",
                headers={"content-type": "application/json"},
                name="invalid JSON",
            ),
            Req(
                "POST",
                "/api/v1/runs/run_doesnotexist00000000000/reschedule",
                json={"delay": "2h"},
                name="unknown",
            ),
            Req("GET", "/api/v1/runs/{run}/reschedule", name="GET"),
            Req("PUT", "/api/v1/runs/{run}/reschedule", json={"delay": "2h"}, name="PUT"),
            trigger("done"),
            wait_status("done", record=False),
            Req(
                "POST",
                "/api/v1/runs/{done}/reschedule",
                json={"delay": "2h"},
                name="a run that is not delayed",
            ),
        ],
    ),
    Scenario(
        name="runs_tags",
        group="runs",
        doc="Add tags: new, repeated, blank, too many, bad bodies, unknown runs.",
        steps=[
            trigger("run", options=delayed("tags")),
            Req("POST", "/api/v1/runs/{run}/tags", json={"tags": ["t1", "t2"]}, name="add two"),
            Req("POST", "/api/v1/runs/{run}/tags", json={"tags": "t1"}, name="repeat one"),
            Req("POST", "/api/v1/runs/{run}/tags", json={"tags": ["", " "]}, name="blank"),
            Req(
                "POST",
                "/api/v1/runs/{run}/tags",
                json={"tags": [f"n{i}" for i in range(8)]},
                name="over ten",
            ),
            Req("POST", "/api/v1/runs/{run}/tags", json={"tags": 5}, name="bad body"),
            Req(
                "POST",
                "/api/v1/runs/{run}/tags",
                content="{",
                headers={"content-type": "application/json"},
                name="invalid JSON",
            ),
            Req(
                "POST",
                "/api/v1/runs/run_doesnotexist00000000000/tags",
                json={"tags": "x"},
                name="unknown",
            ),
            Req("GET", "/api/v1/runs/{run}/tags", name="GET"),
            Req("PUT", "/api/v1/runs/{run}/tags", json={"tags": "x"}, name="PUT"),
            Req("GET", "/api/v3/runs/{run}", name="tags on the run"),
        ],
    ),
    Scenario(
        name="runs_metadata",
        group="runs",
        doc="Run metadata: replace, operations, read back, errors.",
        steps=[
            trigger("run", options=lambda c: {"delay": "1h", "metadata": {"a": 1}}),
            Req("GET", "/api/v1/runs/{run}/metadata", name="read seeded"),
            Req("PUT", "/api/v1/runs/{run}/metadata", json={"metadata": {"b": 2}}, name="replace"),
            Req(
                "PUT",
                "/api/v1/runs/{run}/metadata",
                json={
                    "operations": [
                        {"type": "set", "key": "c", "value": [1]},
                        {"type": "append", "key": "c", "value": 2},
                        {"type": "increment", "key": "n", "value": 5},
                        {"type": "delete", "key": "b"},
                        {"type": "remove", "key": "c", "value": 1},
                    ]
                },
                name="operations",
            ),
            Req(
                "PUT",
                "/api/v1/runs/{run}/metadata",
                json={
                    "parentOperations": [{"type": "set", "key": "p", "value": True}],
                    "rootOperations": [{"type": "increment", "key": "n", "value": 1}],
                },
                name="parent and root operations on a root run",
            ),
            Req(
                "GET",
                "/api/v1/runs/{run}/metadata",
                until=lambda b: '"p"' in (b["metadata"] or ""),
                name="read back (parent/root operations are applied within seconds)",
            ),
            Req("GET", "/api/v3/runs/{run}", name="on the run"),
            Req("PUT", "/api/v1/runs/{run}/metadata", json={"metadata": "x"}, name="bad body"),
            Req(
                "PUT",
                "/api/v1/runs/{run}/metadata",
                json={"operations": [{"type": "nope"}]},
                name="bad operation",
            ),
            Req(
                "PUT",
                "/api/v1/runs/{run}/metadata",
                json={"operations": [{"type": "increment", "key": "c", "value": 1}]},
                name="increment a list",
            ),
            Req(
                "PUT",
                "/api/v1/runs/run_doesnotexist00000000000/metadata",
                json={"metadata": {}},
                name="unknown PUT",
            ),
            Req("GET", "/api/v1/runs/run_doesnotexist00000000000/metadata", name="unknown GET"),
            Req(
                "PUT",
                "/api/v1/runs/{run}/metadata",
                auth="prod",
                json={"metadata": {}},
                name="other environment",
            ),
            Req("POST", "/api/v1/runs/{run}/metadata", json={"metadata": {}}, name="POST"),
        ],
    ),
    Scenario(
        name="runs_result",
        group="runs",
        doc="Run results: only canceled runs have one here.",
        steps=[
            trigger("done"),
            wait_status("done", record=False),
            Req("GET", "/api/v1/runs/{done}/result", name="completed"),
            trigger("run", options=delayed("result")),
            Req("GET", "/api/v1/runs/{run}/result", name="delayed"),
            Req("POST", "/api/v2/runs/{run}/cancel", name="cancel"),
            Req("GET", "/api/v1/runs/{run}/result", name="canceled"),
            Req("GET", "/api/v1/runs/run_doesnotexist00000000000/result", name="unknown"),
            Req("POST", "/api/v1/runs/{run}/result", json={}, name="POST"),
        ],
        notes=["measured: the v2 engine writes no attempt rows, so finished runs have no result"],
    ),
    Scenario(
        name="runs_project_list",
        group="runs",
        doc="`GET /api/v1/projects/{ref}/runs` with a PAT.",
        steps=[
            trigger("run", options=delayed("proj")),
            Req(
                "GET",
                "/api/v1/projects/{project_ref}/runs",
                auth="pat",
                params={"filter[env]": "dev", "filter[tag]": "proj-{u}"},
                until=lambda b: len(b["data"]) >= 1,
                name="dev runs",
            ),
            Req(
                "GET",
                "/api/v1/projects/{project_ref}/runs",
                auth="pat",
                params={"filter[env]": "prod,dev", "filter[tag]": "proj-{u}"},
                name="first env wins",
            ),
            Req(
                "GET",
                "/api/v1/projects/{project_ref}/runs",
                auth="pat",
                params={"filter[tag]": "proj-{u}"},
                name="no env filter",
            ),
            Req(
                "GET",
                "/api/v1/projects/proj_zzzzzzzzzzzzzzzzzzzz/runs",
                auth="pat",
                params={"filter[env]": "dev"},
                name="unknown project",
            ),
            Req(
                "GET",
                "/api/v1/projects/{project_ref}/runs",
                auth="pat",
                params={"filter[env]": "dev", "page[size]": "500"},
                name="bad page size",
            ),
            Req(
                "GET",
                "/api/v1/projects/{project_ref}/runs",
                auth="dev",
                params={"filter[env]": "dev"},
                name="secret key on a PAT route",
            ),
            Req(
                "GET",
                "/api/v1/projects/{project_ref}/runs",
                auth="bad",
                params={"filter[env]": "dev"},
                name="bad key on a PAT route",
            ),
            Req(
                "GET",
                "/api/v1/projects/{project_ref}/runs",
                auth="bearer:tr_pat_0000000000000000000000000000000000000000",
                params={"filter[env]": "dev"},
                name="unknown PAT",
            ),
        ],
    ),
    Scenario(
        name="idempotency_reset",
        group="idempotency",
        doc="`POST /api/v1/idempotencyKeys/{key}/reset` frees a task idempotency key.",
        steps=[
            Req(
                "POST",
                "/api/v1/tasks/hello/trigger",
                json=lambda c: {
                    "payload": 1,
                    "options": {"delay": "1h", "idempotencyKey": c.name("ik")},
                },
                save={"run": "id"},
                name="trigger with a key",
            ),
            Req(
                "POST",
                "/api/v1/idempotencyKeys/ik-{u}/reset",
                json={"taskIdentifier": "hello"},
                name="reset",
            ),
            Req(
                "POST",
                "/api/v1/tasks/hello/trigger",
                json=lambda c: {
                    "payload": 2,
                    "options": {"delay": "1h", "idempotencyKey": c.name("ik")},
                },
                name="a new run",
            ),
            Req(
                "POST",
                "/api/v1/idempotencyKeys/ik-{u}/reset",
                json={"taskIdentifier": "other-task"},
                name="other task",
            ),
            Req(
                "POST",
                "/api/v1/idempotencyKeys/nothing-{u}/reset",
                json={"taskIdentifier": "hello"},
                name="unknown key",
            ),
            Req("POST", "/api/v1/idempotencyKeys/ik-{u}/reset", json={}, name="no task"),
            Req(
                "POST",
                "/api/v1/idempotencyKeys/ik-{u}/reset",
                json={"taskIdentifier": ""},
                name="empty task",
            ),
            Req("POST", "/api/v1/idempotencyKeys/ik-{u}/reset", content=b"", name="no body"),
            Req("GET", "/api/v1/idempotencyKeys/ik-{u}/reset", name="GET"),
        ],
    ),
]
