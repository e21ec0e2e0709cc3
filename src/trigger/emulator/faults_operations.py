"""Operation names for fault rules: each SDK call's name and the endpoints it reaches.

A rule can name what it breaks as ``operation="tasks.trigger"`` instead of a method and a
path. The names are the Python SDK's calls as docs/operations.md lists them
(``client.runs.retrieve`` is ``runs.retrieve``); a call that reaches several endpoints (the
two phases of ``batch.trigger``) matches each of them. A request belongs to the endpoint
whose template matches it with the most literal segments, so ``GET
/api/v1/deployments/current`` is ``deployments.retrieve_current``, not
``deployments.retrieve``.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping

__all__ = ["OPERATIONS", "operation_names", "operations_of", "unknown_operation_message"]

_TRIGGER = ("POST", "/api/v1/tasks/{taskIdentifier}/trigger")
_BATCH_CREATE = ("POST", "/api/v3/batches")
_BATCH_ITEMS = ("POST", "/api/v3/batches/{batchId}/items")
_RETRIEVE_RUN = ("GET", "/api/v3/runs/{runId}")
_BULK_CREATE = ("POST", "/api/v1/bulk-actions")
_BULK_RETRIEVE = ("GET", "/api/v1/bulk-actions/{bulkActionId}")
_QUEUE_PAUSE = ("POST", "/api/v1/queues/{queueParam}/pause")
_LIMIT_PAUSE = ("POST", "/api/v1/concurrency-limits/{name}/pause")
_ENVVARS_IMPORT = ("POST", "/api/v1/projects/{projectRef}/envvars/{env}/import")
_JWT_CLAIMS = ("POST", "/api/v1/auth/jwt/claims")
_SESSION_CREATE = ("POST", "/api/v1/sessions")
_DASHBOARDS = ("GET", "/api/v1/query/dashboards")
_DASHBOARD = "/api/v1/query/dashboards/{dashboardId}"
_OVERRIDE = "/api/v1/prompts/{slug}/override"
_WEBHOOK_ENDPOINT = "/api/v1/webhooks/endpoints/{endpointId}"

Endpoint = tuple[str, str]

OPERATIONS: Mapping[str, tuple[Endpoint, ...]] = {
    # tasks and batches
    "tasks.trigger": (_TRIGGER,),
    "tasks.batch_trigger": (_BATCH_CREATE, _BATCH_ITEMS),
    "batch.trigger": (_BATCH_CREATE, _BATCH_ITEMS),
    "batch.trigger_by_task": (_BATCH_CREATE, _BATCH_ITEMS),
    "batch.create": (_BATCH_CREATE,),
    "batch.stream_items": (_BATCH_ITEMS,),
    "batch.retrieve": (("GET", "/api/v2/batches/{batchId}"),),
    "batch.retrieve_v1": (("GET", "/api/v1/batches/{batchId}"),),
    "batch.results": (("GET", "/api/v1/batches/{batchId}/results"),),
    "batch.trigger_v1": (("POST", "/api/v1/tasks/batch"),),
    "batch.trigger_v2": (("POST", "/api/v2/tasks/batch"),),
    "batch.trigger_task_v1": (("POST", "/api/v1/tasks/{taskIdentifier}/batch"),),
    # runs
    "runs.list": (("GET", "/api/v1/runs"), ("GET", "/api/v1/projects/{projectRef}/runs")),
    "runs.retrieve": (_RETRIEVE_RUN,),
    "runs.poll": (_RETRIEVE_RUN,),
    "runs.replay": (("POST", "/api/v1/runs/{runId}/replay"),),
    "runs.cancel": (("POST", "/api/v2/runs/{runId}/cancel"),),
    "runs.reschedule": (("POST", "/api/v1/runs/{runId}/reschedule"),),
    "runs.update_metadata": (("PUT", "/api/v1/runs/{runId}/metadata"),),
    "runs.retrieve_metadata": (("GET", "/api/v1/runs/{runId}/metadata"),),
    "runs.add_tags": (("POST", "/api/v1/runs/{runId}/tags"),),
    "runs.events": (("GET", "/api/v1/runs/{runId}/events"),),
    "runs.trace": (("GET", "/api/v1/runs/{runId}/trace"),),
    "runs.trace_page": (("GET", "/api/v1/runs/{runId}/trace"),),
    "runs.retrieve_span": (("GET", "/api/v1/runs/{runId}/spans/{spanId}"),),
    "runs.result": (("GET", "/api/v1/runs/{runId}/result"),),
    "runs.retrieve_packet_url": (
        ("GET", "/api/v1/runs/{runId}/packets/{field}"),
        ("GET", "/api/v1/packets/{filename}"),
    ),
    # realtime reads
    "runs.subscribe": (("GET", "/realtime/v1/runs/{runId}"),),
    "runs.subscribe_to_tag": (("GET", "/realtime/v1/runs"),),
    "batch.subscribe": (("GET", "/realtime/v1/batches/{batchId}"),),
    # run streams
    "streams.read": (("GET", "/realtime/v1/streams/{runId}/{streamKey}"),),
    "runs.stream": (("GET", "/realtime/v1/streams/{runId}/{streamKey}"),),
    "streams.create": (("PUT", "/realtime/v1/streams/{runId}/{target}/{streamKey}"),),
    "streams.append": (("POST", "/realtime/v1/streams/{runId}/{target}/{streamKey}/append"),),
    "streams.send_input": (("POST", "/realtime/v1/streams/{runId}/input/{streamId}"),),
    # bulk actions
    "runs.bulk.create": (_BULK_CREATE,),
    "runs.bulk.cancel": (_BULK_CREATE,),
    "runs.bulk.replay": (_BULK_CREATE,),
    "runs.bulk.list": (("GET", "/api/v1/bulk-actions"),),
    "runs.bulk.retrieve": (_BULK_RETRIEVE,),
    "runs.bulk.poll": (_BULK_RETRIEVE,),
    "runs.bulk.abort": (("POST", "/api/v1/bulk-actions/{bulkActionId}/abort"),),
    # error groups
    "errors.list": (("GET", "/api/v1/errors"),),
    "errors.retrieve": (("GET", "/api/v1/errors/{errorId}"),),
    "errors.resolve": (("POST", "/api/v1/errors/{errorId}/resolve"),),
    "errors.ignore": (("POST", "/api/v1/errors/{errorId}/ignore"),),
    "errors.unresolve": (("POST", "/api/v1/errors/{errorId}/unresolve"),),
    # queues
    "queues.list": (("GET", "/api/v1/queues"),),
    "queues.retrieve": (("GET", "/api/v1/queues/{queueParam}"),),
    "queues.pause": (_QUEUE_PAUSE,),
    "queues.resume": (_QUEUE_PAUSE,),
    "queues.override_concurrency_limit": (
        ("POST", "/api/v1/queues/{queueParam}/concurrency/override"),
    ),
    "queues.reset_concurrency_limit": (("POST", "/api/v1/queues/{queueParam}/concurrency/reset"),),
    # named concurrency limits
    "concurrency_limits.list": (("GET", "/api/v1/concurrency-limits"),),
    "concurrency_limits.retrieve": (("GET", "/api/v1/concurrency-limits/{name}"),),
    "concurrency_limits.override": (("POST", "/api/v1/concurrency-limits/{name}/override"),),
    "concurrency_limits.reset": (("POST", "/api/v1/concurrency-limits/{name}/reset"),),
    "concurrency_limits.pause": (_LIMIT_PAUSE,),
    "concurrency_limits.resume": (_LIMIT_PAUSE,),
    # schedules
    "schedules.create": (("POST", "/api/v1/schedules"),),
    "schedules.list": (("GET", "/api/v1/schedules"),),
    "schedules.retrieve": (("GET", "/api/v1/schedules/{scheduleId}"),),
    "schedules.update": (("PUT", "/api/v1/schedules/{scheduleId}"),),
    "schedules.delete": (("DELETE", "/api/v1/schedules/{scheduleId}"),),
    "schedules.deactivate": (("POST", "/api/v1/schedules/{scheduleId}/deactivate"),),
    "schedules.activate": (("POST", "/api/v1/schedules/{scheduleId}/activate"),),
    "schedules.timezones": (("GET", "/api/v1/timezones"),),
    # environment variables
    "envvars.list": (("GET", "/api/v1/projects/{projectRef}/envvars/{env}"),),
    "envvars.upload": (_ENVVARS_IMPORT,),
    "envvars.upload_dotenv": (_ENVVARS_IMPORT,),
    "envvars.create": (("POST", "/api/v1/projects/{projectRef}/envvars/{env}"),),
    "envvars.retrieve": (("GET", "/api/v1/projects/{projectRef}/envvars/{env}/{name}"),),
    "envvars.update": (("PUT", "/api/v1/projects/{projectRef}/envvars/{env}/{name}"),),
    "envvars.delete": (("DELETE", "/api/v1/projects/{projectRef}/envvars/{env}/{name}"),),
    # deployments
    "deployments.list": (("GET", "/api/v1/deployments"),),
    "deployments.retrieve_current": (("GET", "/api/v1/deployments/current"),),
    "deployments.retrieve": (("GET", "/api/v1/deployments/{deploymentId}"),),
    "deployments.retrieve_latest": (("GET", "/api/v1/deployments/latest"),),
    "deployments.promote": (("POST", "/api/v1/deployments/{version}/promote"),),
    # waitpoint tokens
    "wait.create_token": (("POST", "/api/v1/waitpoints/tokens"),),
    "wait.list_tokens": (("GET", "/api/v1/waitpoints/tokens"),),
    "wait.retrieve_token": (("GET", "/api/v1/waitpoints/tokens/{waitpointId}"),),
    "wait.complete_token": (("POST", "/api/v1/waitpoints/tokens/{waitpointId}/complete"),),
    "wait.complete_token_via_callback": (
        ("POST", "/api/v1/waitpoints/tokens/{waitpointId}/callback/{callbackHash}"),
    ),
    # sessions and their channels
    "sessions.start": (_SESSION_CREATE,),
    "sessions.create": (_SESSION_CREATE,),
    "sessions.list": (("GET", "/api/v1/sessions"),),
    "sessions.retrieve": (("GET", "/api/v1/sessions/{session}"),),
    "sessions.update": (("PATCH", "/api/v1/sessions/{session}"),),
    "sessions.close": (("POST", "/api/v1/sessions/{session}/close"),),
    "sessions.append": (
        ("POST", "/realtime/v1/sessions/{session}/{io}/append"),
        ("POST", "/realtime/v1/sessions/{session}/channels/{channel}/in/append"),
    ),
    "sessions.subscribe": (
        ("GET", "/realtime/v1/sessions/{session}/{io}"),
        ("GET", "/realtime/v1/sessions/{session}/channels/{channel}/out"),
    ),
    "sessions.records": (
        ("GET", "/realtime/v1/sessions/{session}/{io}/records"),
        ("GET", "/realtime/v1/sessions/{session}/channels/{channel}/{io}/records"),
    ),
    "sessions.transcript": (("GET", "/api/v1/sessions/{session}/transcript"),),
    # query
    "query.execute": (("POST", "/api/v1/query"),),
    "query.schema": (("GET", "/api/v1/query/schema"),),
    "query.dashboards": (_DASHBOARDS,),
    "query.dashboards.list": (_DASHBOARDS,),
    "query.dashboards.retrieve": (("GET", _DASHBOARD),),
    "query.dashboards.create": (("POST", "/api/v1/query/dashboards"),),
    "query.dashboards.update": (("PATCH", _DASHBOARD),),
    "query.dashboards.replace": (("PUT", _DASHBOARD),),
    "query.dashboards.delete": (("DELETE", _DASHBOARD),),
    "query.dashboards.widgets.add": (("POST", f"{_DASHBOARD}/widgets"),),
    "query.dashboards.widgets.update": (("PATCH", f"{_DASHBOARD}/widgets/{{widgetId}}"),),
    "query.dashboards.widgets.delete": (("DELETE", f"{_DASHBOARD}/widgets/{{widgetId}}"),),
    # prompts
    "prompts.list": (("GET", "/api/v1/prompts"),),
    "prompts.resolve": (("POST", "/api/v1/prompts/{slug}"),),
    "prompts.versions": (("GET", "/api/v1/prompts/{slug}/versions"),),
    "prompts.promote": (("POST", "/api/v1/prompts/{slug}/promote"),),
    "prompts.create_override": (("POST", _OVERRIDE),),
    "prompts.update_override": (("PUT", _OVERRIDE),),
    "prompts.remove_override": (("DELETE", _OVERRIDE),),
    "prompts.reactivate_override": (("POST", f"{_OVERRIDE}/reactivate"),),
    # webhook endpoints, deliveries and waiters
    "webhooks.endpoints.list": (("GET", "/api/v1/webhooks/endpoints"),),
    "webhooks.endpoints.retrieve": (("GET", _WEBHOOK_ENDPOINT),),
    "webhooks.endpoints.generate_secret": (("POST", f"{_WEBHOOK_ENDPOINT}/rotate-secret"),),
    "webhooks.endpoints.set_secret": (("PUT", f"{_WEBHOOK_ENDPOINT}/secret"),),
    "webhooks.deliveries.list": (("GET", "/api/v1/webhooks/deliveries"),),
    "webhooks.deliveries.retrieve": (("GET", "/api/v1/webhooks/deliveries/{deliveryId}"),),
    "webhooks.deliveries.replay": (("POST", "/api/v1/webhooks/deliveries/{deliveryId}/replay"),),
    "webhooks.waiters.create": (("POST", f"{_WEBHOOK_ENDPOINT}/waiters"),),
    "webhooks.waiters.cancel": (("POST", "/api/v1/webhooks/waiters/{waiterId}/cancel"),),
    # idempotency keys, public tokens, payload packets
    "idempotency_keys.reset": (("POST", "/api/v1/idempotencyKeys/{idempotencyKey}/reset"),),
    "auth.create_public_token": (("POST", "/api/v1/auth/public-tokens"), _JWT_CLAIMS),
    "auth.retrieve_jwt_claims": (_JWT_CLAIMS,),
    "auth.create_trigger_public_token": (_JWT_CLAIMS,),
    "auth.create_batch_trigger_public_token": (_JWT_CLAIMS,),
    "packets.create_upload_url": (("PUT", "/api/v2/packets/{filename}"),),
    "packets.retrieve_download_url": (("GET", "/api/v1/packets/{filename}"),),
}
"""Each operation name and the ``(method, path template)`` endpoints it reaches."""


def _compile(template: str) -> tuple[re.Pattern[str], int]:
    parts = template.strip("/").split("/")
    pattern = "/".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    literal = sum(1 for part in parts if not part.startswith("{"))
    return re.compile(f"^/{pattern}/?$"), literal


def _endpoints() -> dict[str, list[tuple[re.Pattern[str], int, frozenset[str]]]]:
    names: dict[Endpoint, set[str]] = {}
    for name, endpoints in OPERATIONS.items():
        for endpoint in endpoints:
            names.setdefault(endpoint, set()).add(name)
    by_method: dict[str, list[tuple[re.Pattern[str], int, frozenset[str]]]] = {}
    for (method, template), owners in names.items():
        pattern, literal = _compile(template)
        by_method.setdefault(method, []).append((pattern, literal, frozenset(owners)))
    return by_method


@functools.lru_cache(maxsize=1)
def _by_method() -> dict[str, list[tuple[re.Pattern[str], int, frozenset[str]]]]:
    # Compiled on first use: importing the emulator's command line stays cheap.
    return _endpoints()


@functools.lru_cache(maxsize=4096)
def operations_of(method: str, raw_path: str) -> frozenset[str]:
    """The operation names of a request (empty when it is no operation's endpoint).

    ``raw_path`` is the path as sent (percent-encoded), so an id holding ``%2F`` stays one
    segment.
    """
    best: frozenset[str] = frozenset()
    best_literal = -1
    for pattern, literal, owners in _by_method().get(method, ()):
        if literal >= best_literal and pattern.match(raw_path):
            if literal > best_literal:
                best, best_literal = owners, literal
            else:
                best = best | owners
    return best


def operation_names() -> list[str]:
    """Every operation name, sorted."""
    return sorted(OPERATIONS)


def unknown_operation_message(name: str) -> str:
    """Why ``name`` is refused, with the closest known names."""
    close = difflib.get_close_matches(name, OPERATIONS, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return (
        f"unknown operation {name!r}{hint}; operations are the SDK's calls, such as "
        "tasks.trigger, runs.retrieve, batch.create (trigger.emulator.faults_operations.OPERATIONS "
        "lists them)"
    )
