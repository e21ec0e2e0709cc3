"""Operations of the runs group."""

from __future__ import annotations

from tests.fixtures import LISTED_RUN, RETRIEVED_RUN
from tests.operations import Op

RUN_PAGE = {"data": [LISTED_RUN], "pagination": {}}

OPERATIONS = [
    Op("GET", "/api/v1/runs", lambda c: c.runs.list(limit=5), RUN_PAGE),
    Op(
        "GET",
        "/api/v1/projects/{projectRef}/runs",
        lambda c: c.runs.list(project_ref="proj_1", env="prod"),
        RUN_PAGE,
        key="tr_pat_0123456789",
    ),
    Op("GET", "/api/v3/runs/{runId}", lambda c: c.runs.retrieve("run_1"), RETRIEVED_RUN),
    Op("POST", "/api/v1/runs/{runId}/replay", lambda c: c.runs.replay("run_1"), {"id": "run_2"}),
    Op("POST", "/api/v2/runs/{runId}/cancel", lambda c: c.runs.cancel("run_1"), {"id": "run_1"}),
    Op(
        "POST",
        "/api/v1/runs/{runId}/reschedule",
        lambda c: c.runs.reschedule("run_1", delay="1h"),
        RETRIEVED_RUN,
    ),
    Op(
        "PUT",
        "/api/v1/runs/{runId}/metadata",
        lambda c: c.runs.update_metadata("run_1", metadata={"a": 1}),
        {"metadata": {"a": 1}},
    ),
    Op(
        "GET",
        "/api/v1/runs/{runId}/metadata",
        lambda c: c.runs.retrieve_metadata("run_1"),
        {"metadata": None, "metadataType": "application/json"},
    ),
    Op(
        "POST",
        "/api/v1/runs/{runId}/tags",
        lambda c: c.runs.add_tags("run_1", ["a"]),
        {"message": "ok"},
    ),
    Op("GET", "/api/v1/runs/{runId}/events", lambda c: c.runs.events("run_1"), {"events": []}),
    Op(
        "GET",
        "/api/v1/runs/{runId}/trace",
        lambda c: c.runs.trace("run_1"),
        {"trace": {"traceId": "t", "rootSpan": {"id": "s", "runId": "run_1", "children": []}}},
    ),
    Op(
        "GET",
        "/api/v1/runs/{runId}/spans/{spanId}",
        lambda c: c.runs.retrieve_span("run_1", "span_1"),
        {"spanId": "span_1", "runId": "run_1"},
    ),
    Op(
        "GET",
        "/api/v1/runs/{runId}/result",
        lambda c: c.runs.result("run_1"),
        {"ok": True, "id": "run_1", "outputType": "application/json"},
    ),
]
