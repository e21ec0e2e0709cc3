"""The project's own list of every management API operation, and how each is called.

`EXPECTED` is copied from the API fact sheets (SURFACE.md and its 4.8 companion; the project
cannot read them at test time).
Each resource group adds an `Op` per operation in its own module here; `test_operations.py`
fails when an operation has no call, or a call does not reach its endpoint, in either client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

EXPECTED: frozenset[tuple[str, str]] = frozenset(
    {
        # tasks and batches
        ("POST", "/api/v1/tasks/{taskIdentifier}/trigger"),
        ("POST", "/api/v1/tasks/{taskIdentifier}/batch"),
        ("POST", "/api/v1/tasks/batch"),
        ("POST", "/api/v2/tasks/batch"),
        ("POST", "/api/v3/batches"),
        ("POST", "/api/v3/batches/{batchId}/items"),
        ("GET", "/api/v2/batches/{batchId}"),
        ("GET", "/api/v1/batches/{batchId}"),
        ("GET", "/api/v1/batches/{batchId}/results"),
        # runs
        ("GET", "/api/v1/runs"),
        ("GET", "/api/v1/projects/{projectRef}/runs"),
        ("GET", "/api/v3/runs/{runId}"),
        ("POST", "/api/v1/runs/{runId}/replay"),
        ("POST", "/api/v2/runs/{runId}/cancel"),
        ("POST", "/api/v1/runs/{runId}/reschedule"),
        ("PUT", "/api/v1/runs/{runId}/metadata"),
        ("GET", "/api/v1/runs/{runId}/metadata"),
        ("POST", "/api/v1/runs/{runId}/tags"),
        ("GET", "/api/v1/runs/{runId}/events"),
        ("GET", "/api/v1/runs/{runId}/trace"),
        ("GET", "/api/v1/runs/{runId}/spans/{spanId}"),
        ("GET", "/api/v1/runs/{runId}/result"),
        # bulk actions
        ("POST", "/api/v1/bulk-actions"),
        ("GET", "/api/v1/bulk-actions"),
        ("GET", "/api/v1/bulk-actions/{bulkActionId}"),
        ("POST", "/api/v1/bulk-actions/{bulkActionId}/abort"),
        # error groups
        ("GET", "/api/v1/errors"),
        ("GET", "/api/v1/errors/{errorId}"),
        ("POST", "/api/v1/errors/{errorId}/resolve"),
        ("POST", "/api/v1/errors/{errorId}/ignore"),
        ("POST", "/api/v1/errors/{errorId}/unresolve"),
        # queues
        ("GET", "/api/v1/queues"),
        ("GET", "/api/v1/queues/{queueParam}"),
        ("POST", "/api/v1/queues/{queueParam}/pause"),
        ("POST", "/api/v1/queues/{queueParam}/concurrency/override"),
        ("POST", "/api/v1/queues/{queueParam}/concurrency/reset"),
        # named concurrency limits (official SDK 4.8)
        ("GET", "/api/v1/concurrency-limits"),
        ("GET", "/api/v1/concurrency-limits/{name}"),
        ("POST", "/api/v1/concurrency-limits/{name}/override"),
        ("POST", "/api/v1/concurrency-limits/{name}/pause"),
        ("POST", "/api/v1/concurrency-limits/{name}/reset"),
        # schedules
        ("POST", "/api/v1/schedules"),
        ("GET", "/api/v1/schedules"),
        ("GET", "/api/v1/schedules/{scheduleId}"),
        ("PUT", "/api/v1/schedules/{scheduleId}"),
        ("DELETE", "/api/v1/schedules/{scheduleId}"),
        ("POST", "/api/v1/schedules/{scheduleId}/deactivate"),
        ("POST", "/api/v1/schedules/{scheduleId}/activate"),
        ("GET", "/api/v1/timezones"),
        # environment variables
        ("GET", "/api/v1/projects/{projectRef}/envvars/{env}"),
        ("POST", "/api/v1/projects/{projectRef}/envvars/{env}/import"),
        ("POST", "/api/v1/projects/{projectRef}/envvars/{env}"),
        ("GET", "/api/v1/projects/{projectRef}/envvars/{env}/{name}"),
        ("PUT", "/api/v1/projects/{projectRef}/envvars/{env}/{name}"),
        ("DELETE", "/api/v1/projects/{projectRef}/envvars/{env}/{name}"),
        # deployments
        ("GET", "/api/v1/deployments"),
        ("GET", "/api/v1/deployments/current"),
        ("GET", "/api/v1/deployments/{deploymentId}"),
        ("GET", "/api/v1/deployments/latest"),
        ("POST", "/api/v1/deployments/{version}/promote"),
        # waitpoint tokens
        ("POST", "/api/v1/waitpoints/tokens"),
        ("GET", "/api/v1/waitpoints/tokens"),
        ("GET", "/api/v1/waitpoints/tokens/{waitpointId}"),
        ("POST", "/api/v1/waitpoints/tokens/{waitpointId}/complete"),
        ("POST", "/api/v1/waitpoints/tokens/{waitpointId}/callback/{callbackHash}"),
        # sessions and their channels
        ("POST", "/api/v1/sessions"),
        ("GET", "/api/v1/sessions"),
        ("GET", "/api/v1/sessions/{session}"),
        ("PATCH", "/api/v1/sessions/{session}"),
        ("POST", "/api/v1/sessions/{session}/close"),
        ("POST", "/realtime/v1/sessions/{session}/{io}/append"),
        ("GET", "/realtime/v1/sessions/{session}/{io}"),
        ("GET", "/realtime/v1/sessions/{session}/{io}/records"),
        # realtime run streams (SERVER.md §11.7)
        ("GET", "/realtime/v1/streams/{runId}/{streamKey}"),
        ("PUT", "/realtime/v1/streams/{runId}/{target}/{streamKey}"),
        ("POST", "/realtime/v1/streams/{runId}/{target}/{streamKey}/append"),
        ("POST", "/realtime/v1/streams/{runId}/input/{streamId}"),
        # query
        ("POST", "/api/v1/query"),
        ("GET", "/api/v1/query/schema"),
        ("GET", "/api/v1/query/dashboards"),
        ("POST", "/api/v1/query/dashboards"),
        ("GET", "/api/v1/query/dashboards/{dashboardId}"),
        ("PATCH", "/api/v1/query/dashboards/{dashboardId}"),
        ("PUT", "/api/v1/query/dashboards/{dashboardId}"),
        ("DELETE", "/api/v1/query/dashboards/{dashboardId}"),
        ("POST", "/api/v1/query/dashboards/{dashboardId}/widgets"),
        ("PATCH", "/api/v1/query/dashboards/{dashboardId}/widgets/{widgetId}"),
        ("DELETE", "/api/v1/query/dashboards/{dashboardId}/widgets/{widgetId}"),
        # prompts (official SDK 4.8)
        ("GET", "/api/v1/prompts"),
        ("POST", "/api/v1/prompts/{slug}"),
        ("GET", "/api/v1/prompts/{slug}/versions"),
        ("POST", "/api/v1/prompts/{slug}/promote"),
        ("POST", "/api/v1/prompts/{slug}/override"),
        ("PUT", "/api/v1/prompts/{slug}/override"),
        ("DELETE", "/api/v1/prompts/{slug}/override"),
        ("POST", "/api/v1/prompts/{slug}/override/reactivate"),
        # a session's transcript, a run's packet URL (official SDK 4.8)
        ("GET", "/api/v1/sessions/{session}/transcript"),
        ("GET", "/api/v1/runs/{runId}/packets/{field}"),
        # idempotency keys, public tokens, payload packets
        ("POST", "/api/v1/idempotencyKeys/{idempotencyKey}/reset"),
        ("POST", "/api/v1/auth/public-tokens"),
        ("POST", "/api/v1/auth/jwt/claims"),
        ("PUT", "/api/v2/packets/{filename}"),
        ("GET", "/api/v1/packets/{filename}"),
        # webhooks: endpoints, deliveries, waiters (official SDK 4.8)
        ("GET", "/api/v1/webhooks/endpoints"),
        ("GET", "/api/v1/webhooks/endpoints/{endpointId}"),
        ("POST", "/api/v1/webhooks/endpoints/{endpointId}/rotate-secret"),
        ("PUT", "/api/v1/webhooks/endpoints/{endpointId}/secret"),
        ("GET", "/api/v1/webhooks/deliveries"),
        ("GET", "/api/v1/webhooks/deliveries/{deliveryId}"),
        ("POST", "/api/v1/webhooks/deliveries/{deliveryId}/replay"),
        ("POST", "/api/v1/webhooks/endpoints/{endpointId}/waiters"),
        ("POST", "/api/v1/webhooks/waiters/{waiterId}/cancel"),
    }
)


Responder = Callable[[httpx.Request], httpx.Response]


@dataclass(frozen=True)
class Op:
    """One operation and a call that must reach it.

    Attributes:
        method: HTTP method.
        path: Path template, as in `EXPECTED`.
        call: Takes a client (sync or async) and makes the call; for the async client the
            result may be awaitable (it is awaited) or async-iterable (it is drained).
        response: The JSON answered to every request, or a function answering each request.
        key: The API key the client uses (a ``tr_pat_`` token for PAT-only routes).
    """

    method: str
    path: str
    call: Callable[[Any], Any]
    response: Any = field(default_factory=dict)
    key: str = "tr_dev_0123456789abcdefghijklmn"
