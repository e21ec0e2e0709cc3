"""Webhooks (SERVER.md §2.17, SURFACE-4.8 §7): endpoints, deliveries, waiters, the ingress URL.

Management routes are builder routes, key or JWT (``read:webhooks`` / ``write:webhooks``),
answering the 4.8.3 client's shapes (``declaredId``, ``subscribers``, ``targets``); an
``{endpointId}`` is the declared id or the ``wh_…`` id. Unknown ids are
``404 {"error": "Not found"}``.

- ``GET /api/v1/webhooks/endpoints``, ``GET …/{id}``, ``POST …/{id}/disable`` and ``/enable``,
  ``POST …/{id}/rotate-secret`` (``whsec_`` and 64 hex digits, shown once), ``PUT …/{id}/secret``;
- ``GET /api/v1/webhooks/deliveries`` (newest first, 60 a page, ``filter[endpoint]``,
  ``filter[status]``, ``filter[period]``, ``filter[from]``/``filter[to]``), ``GET …/{id}``,
  ``POST …/{id}/replay`` (``?targetId=``);
- ``POST /api/v1/webhooks/endpoints/{id}/waiters``, ``POST /api/v1/webhooks/waiters/{id}/cancel``;
  refusals carry ``{error, code, reason?}`` (``webhook_waiter_limit``,
  ``webhook_endpoint_not_found``, ``webhook_filter_invalid``, ``invalid_request``);
- ``POST /webhooks/v1/ingest/{opaqueId}`` (no credential: a provider posts here) answers
  ``200 {"received": true, "deliveryId"}``, 404 for an unknown or disabled endpoint, 413 above
  1 MiB; ``…/waiters/{token}`` is a URL-matched waiter's own URL.

Control routes (not the Trigger.dev API): ``POST``/``GET /_emulator/webhooks/endpoints``
declare and list endpoints; ``POST``/``GET /_emulator/webhooks/alerts`` and ``DELETE
…/alerts/{id}`` manage alert channels; ``GET /_emulator/webhooks/alerts/deliveries`` lists the
signed alerts sent.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator import webhook_alerts
from trigger.emulator.durations import (
    idempotency_ttl_ms,
    iso,
    js_date_ms,
    natural_duration_ms,
    period_ms,
)
from trigger.emulator.engine import webhooks as engine
from trigger.emulator.project import Environment
from trigger.emulator.routes._http import (
    Reply,
    builder_auth,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    json_response,
    loads,
    method_not_allowed,
    parse_query,
)
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_webhooks import (
    DeliveryRow,
    EndpointRow,
    SubscriberRow,
    WaiterRow,
    WebhookStore,
)
from trigger.emulator.validation import (
    MISSING,
    AnyValue,
    Arr,
    CoercedDate,
    CoercedNumber,
    Custom,
    Num,
    Obj,
    Path,
    Schema,
    Str,
    Union,
    format_issues,
    js_number,
)
from trigger.emulator.webhooks import (
    ASYMMETRIC_SOURCES,
    WebhookService,
    ingress_url,
)

__all__ = ["delivery_json", "endpoint_json", "routes"]

_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_STATUSES = ("pending", "processing", "succeeded", "failed", "filtered", "unmatched")
_PAGE_SIZE = 60
_INGRESS_LIMIT = 1024 * 1024
_MAX_PREVIOUS_TTL = 7 * 24 * 3600
_MAX_MATCH_PATHS = 5
_MAX_SHAPES = 25
_MAX_PER_ENDPOINT = 10_000
_MAX_TAGS = 10
_DEFAULT_TIMEOUT_MS = 24 * 3600 * 1000
_MAX_TIMEOUT_MS = 90 * 24 * 3600 * 1000
_NAMESPACES = ("event.", "header.", "webhook.")


# -- shapes ----------------------------------------------------------------------------------


def endpoint_json(endpoint: EndpointRow, base_url: str) -> dict[str, Any]:
    """The API's ``WebhookEndpointObject``."""
    return {
        "id": endpoint.friendly_id,
        "declaredId": endpoint.declared_id,
        "source": endpoint.source,
        "status": endpoint.status,
        "secretProvisioning": endpoint.secret_provisioning,
        "secretSet": bool(endpoint.secret),
        "tenantId": None,
        "externalRef": None,
        "url": ingress_url(base_url, endpoint),
        "createdAt": iso(endpoint.created_at),
        "updatedAt": iso(endpoint.updated_at),
    }


def _detail_json(endpoint: EndpointRow, base_url: str) -> dict[str, Any]:
    out = endpoint_json(endpoint, base_url)
    out["subscribers"] = [
        {"id": s.task_id, "type": "task", "taskId": s.task_id, "filter": s.filter}
        for s in endpoint.subscribers
    ]
    out["setupPrompt"] = (
        f"Register {out['url']} as the webhook URL of your {endpoint.source} integration, "
        "then set the endpoint's signing secret."
    )
    return out


def _listed_delivery(delivery: DeliveryRow, store: WebhookStore) -> dict[str, Any]:
    endpoint = store.endpoint_by_id(delivery.endpoint_id)
    return {
        "id": delivery.id,
        "endpoint": None
        if endpoint is None
        else {"id": endpoint.friendly_id, "declaredId": endpoint.declared_id},
        "status": delivery.status,
        "externalDeliveryId": delivery.external_delivery_id,
        "isTest": delivery.is_test,
        "createdAt": iso(delivery.created_at),
        "processedAt": iso(delivery.processed_at) if delivery.processed_at is not None else None,
    }


def delivery_json(delivery: DeliveryRow, store: WebhookStore) -> dict[str, Any]:
    """The API's ``WebhookDeliveryObject``."""
    out = _listed_delivery(delivery, store)
    out.update(
        {
            "idempotencyKey": delivery.idempotency_key,
            "event": delivery.event,
            "headers": delivery.headers,
            "rawBodyHash": delivery.raw_body_hash,
            "error": delivery.error,
            "filterReason": delivery.filter_reason,
            "targets": list(delivery.targets),
            "updatedAt": iso(delivery.updated_at),
        }
    )
    return out


# -- shared checks ---------------------------------------------------------------------------


def _service(request: Request) -> WebhookService:
    return WebhookService(emulator_state(request))


_LOADER_404 = {"x-should-retry": "false"}
"""What a GET's 404 adds: the server's loader route builder finds the resource and says so
(measured: an action's own 404 has no such header)."""


def _endpoint(
    request: Request, service: WebhookService, env: Environment, *, loader: bool = False
) -> EndpointRow:
    found = service.store.endpoint(env.id, request.path_params["endpoint_id"])
    if found is None:
        fail(404, "Not found", _LOADER_404 if loader else None)
    return found


async def _json_body(request: Request, *, required: bool) -> Any:
    raw = (await request.body()).decode("utf-8", "replace")
    if not raw:
        if required:
            fail(400, "Request body is empty")
        return {}
    try:
        return loads(raw)
    except ValueError:
        fail(400, "Invalid JSON")


def _checked(schema: Schema, value: Any) -> dict[str, Any]:
    parsed, issues = schema.parse(value)
    if issues:
        fail(400, format_issues(issues))
    return dict(parsed)


_TTL = Num(("int",), ("min", 0), ("max", _MAX_PREVIOUS_TTL)).optional()
ROTATE_BODY = Obj({"previousSecretTtlSeconds": _TTL})
SET_SECRET_BODY = Obj(
    {
        "secret": Custom(Str(), lambda value: _trimmed(value)),
        "previousSecretTtlSeconds": _TTL,
    }
)


def _trimmed(value: str) -> tuple[list[tuple[str, Path]], Any]:
    text = value.strip()
    if not 1 <= len(text) <= 4096:
        return [("String must contain between 1 and 4096 character(s)", ())], value
    return [], text


# -- endpoints -------------------------------------------------------------------------------


@endpoint
async def list_endpoints(request: Request) -> Response:
    """``GET /api/v1/webhooks/endpoints``."""
    if request.method != "GET":
        method_not_allowed("GET", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    forbid_unless(credential, "read", [("webhooks", None)])
    service = _service(request)
    base = emulator_state(request).url
    data = [endpoint_json(row, base) for row in service.store.endpoints(credential.environment.id)]
    return json_response({"data": data})


@endpoint
async def retrieve_endpoint(request: Request) -> Response:
    """``GET /api/v1/webhooks/endpoints/{endpointId}``."""
    if request.method != "GET":
        method_not_allowed("GET", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    forbid_unless(credential, "read", [("webhooks", None)])
    service = _service(request)
    row = _endpoint(request, service, credential.environment, loader=True)
    return json_response(_detail_json(row, emulator_state(request).url))


def _status_action(status: str) -> Any:
    @endpoint
    async def handler(request: Request) -> Response:
        if request.method != "POST":
            method_not_allowed("POST", empty=request.method == "GET")
        credential = builder_auth(request, allow_jwt=True)
        forbid_unless(credential, "write", [("webhooks", None)])
        service = _service(request)
        row = service.set_status(_endpoint(request, service, credential.environment), status)
        # The server answers the endpoint object here, without its subscribers.
        return json_response(endpoint_json(row, emulator_state(request).url))

    verb = "disable" if status == "inactive" else "enable"
    handler.__doc__ = f"``POST /api/v1/webhooks/endpoints/{{endpointId}}/{verb}``."
    return handler


def _expiry(expires: int | None) -> dict[str, str]:
    return {} if expires is None else {"previousSecretExpiresAt": iso(expires)}


@endpoint
async def rotate_secret(request: Request) -> Response:
    """``POST /api/v1/webhooks/endpoints/{endpointId}/rotate-secret``: a new secret, once."""
    if request.method != "POST":
        method_not_allowed("POST", empty=request.method == "GET")
    credential = builder_auth(request, allow_jwt=True)
    body = _checked(ROTATE_BODY, await _json_body(request, required=False))
    forbid_unless(credential, "write", [("webhooks", None)])
    service = _service(request)
    row = _endpoint(request, service, credential.environment)
    if row.source in ASYMMETRIC_SOURCES:
        fail(
            400, "Cannot generate a secret for an asymmetric endpoint; set its public key instead."
        )
    secret = f"whsec_{secrets.token_hex(32)}"
    row, expires = service.set_secret(row, secret, body.get("previousSecretTtlSeconds"))
    return json_response(
        {"id": row.friendly_id, "secretSet": True, "secret": secret, **_expiry(expires)}
    )


@endpoint
async def set_secret(request: Request) -> Response:
    """``PUT /api/v1/webhooks/endpoints/{endpointId}/secret``: store a provider's secret."""
    if request.method != "PUT":
        method_not_allowed("PUT", empty=request.method == "GET")
    credential = builder_auth(request, allow_jwt=True)
    body = _checked(SET_SECRET_BODY, await _json_body(request, required=True))
    forbid_unless(credential, "write", [("webhooks", None)])
    service = _service(request)
    row = _endpoint(request, service, credential.environment)
    row, expires = service.set_secret(row, body["secret"], body.get("previousSecretTtlSeconds"))
    return json_response({"id": row.friendly_id, "secretSet": True, **_expiry(expires)})


# -- deliveries ------------------------------------------------------------------------------


class _StatusList(Schema):
    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Str().optional().run(value, path)
        if issues or not parsed:
            return status, MISSING, issues
        values = parsed.split(",")
        bad = [item for item in values if item not in _STATUSES]
        if bad:
            message = (
                f"Invalid status values: {', '.join(bad)}. "
                "Allowed: pending, processing, succeeded, failed."
            )
            return 1, MISSING, [{"code": "custom", "message": message, "path": list(path)}]
        return 0, list(dict.fromkeys(values)), []


class _List(Schema):
    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, parsed, issues = Str().optional().run(value, path)
        if issues or not parsed:
            return status, MISSING, issues
        return 0, parsed.split(","), []


def _query_date(text: str) -> int | None:
    number = js_number(text)
    if number == number and abs(number) != float("inf"):
        return int(number)
    return js_date_ms(text)


LIST_QUERY = Obj(
    {
        "page[size]": CoercedNumber(("int",), ("positive",), ("min", 1), ("max", 100)).optional(),
        "page[after]": Str().optional(),
        "page[before]": Str().optional(),
        "filter[endpoint]": _List(),
        "filter[status]": _StatusList(),
        "filter[period]": Str().optional(),
        "filter[from]": CoercedDate(_query_date).optional(),
        "filter[to]": CoercedDate(_query_date).optional(),
    }
)


@endpoint
async def list_deliveries(request: Request) -> Response:
    """``GET /api/v1/webhooks/deliveries``: newest first, cursor pages."""
    if request.method != "GET":
        method_not_allowed("GET", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    q = parse_query(request, LIST_QUERY)
    forbid_unless(credential, "read", [("webhooks", None)])
    service = _service(request)
    env = credential.environment
    state = emulator_state(request)
    endpoint_ids: list[str] | None = None
    if q.get("filter[endpoint]"):
        found = [service.store.endpoint(env.id, key) for key in q["filter[endpoint]"]]
        endpoint_ids = [row.id for row in found if row is not None]
    created_from = q.get("filter[from]")
    created_to = q.get("filter[to]")
    if q.get("filter[period]") and created_from is None and created_to is None:
        span = period_ms(q["filter[period]"])
        if span is not None:
            created_from = state.now_ms() - span
    size = q.get("page[size]") or _PAGE_SIZE
    backward = bool(q.get("page[before]"))
    cursor = q.get("page[before]") or q.get("page[after]")
    rows = service.store.delivery_page(
        env.id,
        endpoint_ids=endpoint_ids,
        statuses=q.get("filter[status]"),
        created_from=created_from,
        created_to=created_to,
        cursor=cursor,
        backward=backward,
        size=size,
    )
    more = len(rows) > size
    page = rows[:size]
    if backward:
        page.reverse()
    pagination: dict[str, str] = {}
    if page:
        first, last = page[0], page[-1]
        if (backward and more) or (not backward and cursor):
            pagination["previous"] = _cursor(first)
        if backward or more:
            pagination["next"] = _cursor(last)
    data = [_listed_delivery(row, service.store) for row, _ in page]
    return json_response({"data": data, "pagination": pagination})


def _cursor(item: tuple[DeliveryRow, int]) -> str:
    from trigger.emulator.store import encode_cursor

    row, seq = item
    return encode_cursor(row.created_at, seq, row.id)


def _delivery(
    request: Request, service: WebhookService, env: Environment, *, loader: bool = False
) -> DeliveryRow:
    found = service.store.delivery(env.id, request.path_params["delivery_id"])
    if found is None:
        fail(404, "Not found", _LOADER_404 if loader else None)
    return found


@endpoint
async def retrieve_delivery(request: Request) -> Response:
    """``GET /api/v1/webhooks/deliveries/{deliveryId}``."""
    if request.method != "GET":
        method_not_allowed("GET", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    forbid_unless(credential, "read", [("webhooks", None)])
    service = _service(request)
    row = _delivery(request, service, credential.environment, loader=True)
    return json_response(delivery_json(row, service.store))


@endpoint
async def replay_delivery(request: Request) -> Response:
    """``POST /api/v1/webhooks/deliveries/{deliveryId}/replay`` (``?targetId=``)."""
    if request.method != "POST":
        method_not_allowed("POST", empty=request.method == "GET")
    credential = builder_auth(request, allow_jwt=True)
    forbid_unless(credential, "write", [("webhooks", None)])
    service = _service(request)
    original = _delivery(request, service, credential.environment)
    target = request.query_params.get("targetId") or None
    result = service.replay(original, target)
    if result == "not_found":
        fail(404, "Not found")
    if result == "no_task":
        fail(400, "This delivery's endpoint does not route to a task.")
    if result == "no_target":
        fail(400, f"No subscriber {target} on this delivery's endpoint.")
    assert isinstance(result, DeliveryRow)
    return json_response({"deliveryId": result.id, "replayedFrom": original.id})


# -- waiters ---------------------------------------------------------------------------------


def _waiter_error(status: int, error: str, code: str, reason: str | None = None) -> Reply:
    body: dict[str, Any] = {"error": error, "code": code}
    if reason is not None:
        body["reason"] = reason
    return Reply(json_response(body, status, {"x-should-retry": "false"}))


def _match_values(value: dict[str, Any]) -> tuple[list[tuple[str, Path]], Any]:
    problems: list[tuple[str, Path]] = []
    for key, expected in value.items():
        if isinstance(expected, (bool, str, int, float)):
            continue
        problems.append(("Expected string, number or boolean", (key,)))
    return problems, value


CREATE_WAITER_BODY = Obj(
    {
        "match": AnyValue().optional(),  # checked by _match, with the API's own messages
        "filter": Str().optional(),
        "timeout": Str().optional(),
        "tags": Union(Str(), Arr(Str())).optional(),
        "idempotencyKey": Str().optional(),
        "idempotencyKeyTTL": Str().optional(),
        "endpoint": Obj({"tenantId": Str().optional(), "externalRef": Str().optional()}).optional(),
    }
)


def _match(raw: Any) -> dict[str, Any] | None:
    if raw is None or raw is MISSING:
        return None
    if not isinstance(raw, dict):
        raise _waiter_error(400, "match must be an object", "invalid_request")
    problems, _ = _match_values(raw)
    if problems:
        raise _waiter_error(
            400, f"match[{problems[0][1][0]!r}]: {problems[0][0]}", "invalid_request"
        )
    if len(raw) > _MAX_MATCH_PATHS:
        raise _waiter_error(
            400, f"A waiter can match at most {_MAX_MATCH_PATHS} paths", "invalid_request"
        )
    for path in raw:
        if not any(path.startswith(ns) and len(path) > len(ns) for ns in _NAMESPACES):
            raise _waiter_error(
                400,
                f'Invalid match path "{path}": use event.*, header.* or webhook.*',
                "invalid_request",
            )
    return dict(raw)


def _timeout_ms(value: str | None, now: int) -> int:
    if value is None:
        return now + _DEFAULT_TIMEOUT_MS
    at = js_date_ms(value)
    if at is None:
        duration = natural_duration_ms(value)
        if duration is None:
            raise _waiter_error(400, f'Invalid timeout "{value}"', "invalid_request")
        at = now + duration
    return at


@endpoint
async def create_waiter(request: Request) -> Response:
    """``POST /api/v1/webhooks/endpoints/{endpointId}/waiters``."""
    if request.method != "POST":
        method_not_allowed("POST", empty=request.method == "GET")
    credential = builder_auth(request, allow_jwt=True)
    raw = await _json_body(request, required=False)
    parsed, issues = CREATE_WAITER_BODY.parse(raw)
    if issues:
        raise _waiter_error(400, format_issues(issues), "invalid_request")
    forbid_unless(credential, "write", [("webhooks", None)])
    state = emulator_state(request)
    service = WebhookService(state)
    env = credential.environment
    row = service.store.endpoint(env.id, request.path_params["endpoint_id"])
    if row is None or row.status != "active":
        raise _waiter_error(
            404,
            f"Webhook endpoint {request.path_params['endpoint_id']} is not in this "
            "environment's current deployment",
            "webhook_endpoint_not_found",
        )
    match = _match(raw.get("match") if isinstance(raw, dict) else None)
    filter_text = parsed.get("filter") or None
    if filter_text is not None:
        try:
            engine.parse_filter(filter_text)
        except engine.FilterError as error:
            raise _waiter_error(400, f"Invalid filter: {error}", "webhook_filter_invalid") from None
    tags_value = parsed.get("tags")
    tags = [tags_value] if isinstance(tags_value, str) else list(tags_value or [])
    if len(tags) > _MAX_TAGS:
        raise _waiter_error(400, f"A waiter can have at most {_MAX_TAGS} tags", "invalid_request")
    now = state.now_ms()
    timeout_at = _timeout_ms(parsed.get("timeout"), now)
    if timeout_at - now > _MAX_TIMEOUT_MS:
        raise _waiter_error(
            400,
            "A waiter's timeout can be at most 90 days",
            "webhook_waiter_limit",
            "timeout_too_long",
        )
    live = service.live_waiters(row)
    if len(live) >= _MAX_PER_ENDPOINT:
        raise _waiter_error(
            400, "Too many live waiters on this endpoint", "webhook_waiter_limit", "endpoint_limit"
        )
    if match is not None:
        shapes = {tuple(sorted(w.match)) for w in live if w.match is not None}
        if tuple(sorted(match)) not in shapes and len(shapes) >= _MAX_SHAPES:
            raise _waiter_error(
                400,
                f"This endpoint already has {_MAX_SHAPES} distinct sets of match paths",
                "webhook_waiter_limit",
                "shape_limit",
            )
    ttl = parsed.get("idempotencyKeyTTL")
    waiter, token, cached = service.create_waiter(
        env,
        row,
        match=match,
        filter_text=filter_text,
        timeout_at=timeout_at,
        tags=tags,
        idempotency_key=parsed.get("idempotencyKey") or None,
        key_ttl_ms=idempotency_ttl_ms(ttl) if ttl else None,
    )
    answer: dict[str, Any] = {"id": token.friendly_id}
    if waiter.url_token is not None:
        answer["url"] = f"{ingress_url(state.url, row)}/waiters/{waiter.url_token}"
    expires = token.completed_after if token.completed_after is not None else timeout_at
    answer["expiresAt"] = iso(expires)
    answer["isCached"] = cached
    return json_response(answer)


@endpoint
async def cancel_waiter(request: Request) -> Response:
    """``POST /api/v1/webhooks/waiters/{waiterId}/cancel``."""
    if request.method != "POST":
        method_not_allowed("POST", empty=request.method == "GET")
    credential = builder_auth(request, allow_jwt=True)
    forbid_unless(credential, "write", [("webhooks", None)])
    service = _service(request)
    env = credential.environment
    value = request.path_params["waiter_id"]
    internal = value[len("waitpoint_") :] if value.startswith("waitpoint_") else value
    waiter: WaiterRow | None = service.store.waiter(internal)
    if waiter is None or waiter.env_id != env.id:
        fail(404, "Not found")
    return json_response(service.cancel_waiter(waiter))


# -- ingress ---------------------------------------------------------------------------------


async def _ingest(request: Request, waiter_token: str | None) -> Response:
    if request.method != "POST":
        fail(405, "Method not allowed")
    service = _service(request)
    row = service.store.endpoint_by_opaque(request.path_params["opaque_id"])
    if row is None:
        fail(404, "Not found")
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > _INGRESS_LIMIT:
        fail(413, "Payload too large")
    raw = await request.body()
    if len(raw) > _INGRESS_LIMIT:
        fail(413, "Payload too large")
    outcome = service.ingest(row, raw, dict(request.headers), waiter_token=waiter_token)
    if outcome.delivery is None:
        fail(404, "Not found")
    return json_response({"received": True, "deliveryId": outcome.delivery.id})


@endpoint
async def ingest(request: Request) -> Response:
    """``POST /webhooks/v1/ingest/{opaqueId}``: a provider's request, recorded and routed."""
    return await _ingest(request, None)


@endpoint
async def ingest_for_waiter(request: Request) -> Response:
    """``POST /webhooks/v1/ingest/{opaqueId}/waiters/{token}``: resumes that waiter only."""
    return await _ingest(request, request.path_params["token"])


# -- control ---------------------------------------------------------------------------------


def _control_env(state: EmulatorState, name: object) -> Environment:
    aliases = {"staging": "stg", "production": "prod", "development": "dev"}
    env = state.project.envs.get(aliases.get(str(name), str(name)))
    if env is None:
        fail(400, "env must be dev, stg, prod or preview")
    return env


def _control_subscribers(value: Any) -> tuple[SubscriberRow, ...]:
    if value is None:
        return ()
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, dict):
                items.append((item.get("taskId"), item.get("filter")))
            else:
                items.append((item, None))
    else:
        fail(400, "tasks must be a list of task ids or an object of task id to filter")
    out = []
    for task_id, filter_text in items:
        if not isinstance(task_id, str) or not task_id:
            fail(400, "every subscriber needs a task id")
        if filter_text is not None and not isinstance(filter_text, str):
            fail(400, f"the filter of {task_id} must be a string")
        out.append(SubscriberRow(task_id=task_id, filter=filter_text or None))
    return tuple(out)


@endpoint
async def control_endpoints(request: Request) -> Response:
    """``POST /_emulator/webhooks/endpoints`` declares one; ``GET`` lists them (``?env=``)."""
    state = emulator_state(request)
    service = WebhookService(state)
    if request.method == "GET":
        env = _control_env(state, request.query_params.get("env", "dev"))
        data = [_detail_json(row, state.url) for row in service.store.endpoints(env.id)]
        return json_response({"endpoints": data})
    body = await _json_body(request, required=True)
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        fail(400, "the body must be an object with the endpoint's id")
    try:
        row = service.declare(
            _control_env(state, body.get("env", "dev")),
            body["id"],
            source=str(body.get("source") or "custom"),
            subscribers=_control_subscribers(body.get("tasks")),
            secret=body.get("secret") if isinstance(body.get("secret"), str) else None,
            secret_provisioning=str(body.get("secretProvisioning") or "either"),
            metadata=body.get("metadata") if isinstance(body.get("metadata"), dict) else None,
        )
    except ValueError as error:
        fail(400, str(error))
    return json_response(_detail_json(row, state.url))


@endpoint
async def control_alerts(request: Request) -> Response:
    """``POST /_emulator/webhooks/alerts`` adds an alert channel; ``GET`` lists them."""
    state = emulator_state(request)
    if request.method == "GET":
        return json_response({"channels": webhook_alerts.channels(state)})
    body = await _json_body(request, required=True)
    if not isinstance(body, dict) or not isinstance(body.get("url"), str):
        fail(400, "the body must be an object with the channel's url")
    envs = body.get("envs") or ["dev", "stg", "prod", "preview"]
    if not isinstance(envs, list):
        fail(400, "envs must be a list of environments")
    env_ids = tuple(_control_env(state, env).id for env in envs)
    secret = body.get("secret")
    try:
        channel = webhook_alerts.add_channel(
            state, body["url"], secret=secret if isinstance(secret, str) else None, env_ids=env_ids
        )
    except ValueError as error:
        fail(400, str(error))
    return json_response(channel)


@endpoint
async def control_alert(request: Request) -> Response:
    """``DELETE /_emulator/webhooks/alerts/{id}``: remove an alert channel."""
    if not webhook_alerts.remove_channel(
        emulator_state(request), request.path_params["channel_id"]
    ):
        fail(404, "Not found")
    return json_response({"ok": True})


@endpoint
async def control_alert_deliveries(request: Request) -> Response:
    """``GET /_emulator/webhooks/alerts/deliveries``: the alerts sent, oldest first."""
    return json_response({"deliveries": webhook_alerts.deliveries(emulator_state(request))})


routes = [
    Route("/api/v1/webhooks/endpoints", list_endpoints, methods=_ALL),
    Route(
        "/api/v1/webhooks/endpoints/{endpoint_id:path}/rotate-secret", rotate_secret, methods=_ALL
    ),
    Route("/api/v1/webhooks/endpoints/{endpoint_id:path}/secret", set_secret, methods=_ALL),
    Route(
        "/api/v1/webhooks/endpoints/{endpoint_id:path}/disable",
        _status_action("inactive"),
        methods=_ALL,
    ),
    Route(
        "/api/v1/webhooks/endpoints/{endpoint_id:path}/enable",
        _status_action("active"),
        methods=_ALL,
    ),
    Route("/api/v1/webhooks/endpoints/{endpoint_id:path}/waiters", create_waiter, methods=_ALL),
    Route("/api/v1/webhooks/endpoints/{endpoint_id:path}", retrieve_endpoint, methods=_ALL),
    Route("/api/v1/webhooks/deliveries", list_deliveries, methods=_ALL),
    Route("/api/v1/webhooks/deliveries/{delivery_id:path}/replay", replay_delivery, methods=_ALL),
    Route("/api/v1/webhooks/deliveries/{delivery_id:path}", retrieve_delivery, methods=_ALL),
    Route("/api/v1/webhooks/waiters/{waiter_id:path}/cancel", cancel_waiter, methods=_ALL),
    Route("/webhooks/v1/ingest/{opaque_id}/waiters/{token}", ingest_for_waiter, methods=_ALL),
    Route("/webhooks/v1/ingest/{opaque_id}", ingest, methods=_ALL),
    Route("/_emulator/webhooks/endpoints", control_endpoints, methods=["GET", "POST"]),
    Route("/_emulator/webhooks/alerts", control_alerts, methods=["GET", "POST"]),
    Route("/_emulator/webhooks/alerts/deliveries", control_alert_deliveries, methods=["GET"]),
    Route("/_emulator/webhooks/alerts/{channel_id}", control_alert, methods=["DELETE"]),
]
