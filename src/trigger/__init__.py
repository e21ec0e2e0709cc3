"""trigger: the Python SDK for the Trigger.dev management API.

import trigger

client = trigger.Client()  # reads TRIGGER_SECRET_KEY
for run in client.runs.list(limit=10, status="COMPLETED"):
    print(run.id, run.status)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from trigger._batch_errors import BatchNotSealedError, BatchTriggerError
from trigger._default import (
    auth,
    batch,
    concurrency_limits,
    configure,
    default_client,
    deployments,
    envvars,
    errors,
    idempotency_keys,
    packets,
    prompts,
    query,
    queues,
    runs,
    schedules,
    sessions,
    streams,
    tasks,
    wait,
)
from trigger._exceptions import (
    APIConnectionError,
    APIError,
    ApiError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    MissingCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    PollTimeoutError,
    RateLimitError,
    ResponseTooLargeError,
    TriggerError,
    UnprocessableEntityError,
    UnsendableRequestError,
)
from trigger._pagination_errors import PaginationError
from trigger._retry import RetryOptions
from trigger._types import RequestOptions
from trigger._version import __version__

if TYPE_CHECKING:
    from trigger import types, webhooks
    from trigger._async.client import AsyncClient
    from trigger._async.pagination import AsyncCursorPage, AsyncOffsetPage, AsyncPage
    from trigger._async.realtime import AsyncRunSubscription
    from trigger._async.streams import AsyncRunStream
    from trigger._paginator import AsyncPaginator
    from trigger._response import APIResponse
    from trigger._sync.client import Client
    from trigger._sync.pagination import CursorPage, OffsetPage, Page
    from trigger._sync.realtime import RunSubscription
    from trigger._sync.streams import RunStream
    from trigger._transports import aiohttp_http_client
    from trigger._wire.idempotency import IdempotencyKey
    from trigger.types.runs import (
        FINAL_RUN_STATUSES,
        LEGACY_RUN_STATUSES,
        RUN_STATUSES,
        LegacyRunStatus,
        RunStatus,
    )

# Imported on first use, so that ``import trigger`` stays cheap: httpx and the models load
# only when a client, a page or a model is first touched.
_LAZY = {
    "types": "trigger.types",
    "aiohttp_http_client": "trigger._transports",
    "AsyncClient": "trigger._async.client",
    "AsyncCursorPage": "trigger._async.pagination",
    "AsyncOffsetPage": "trigger._async.pagination",
    "AsyncPage": "trigger._async.pagination",
    "AsyncRunSubscription": "trigger._async.realtime",
    "AsyncRunStream": "trigger._async.streams",
    "AsyncPaginator": "trigger._paginator",
    "APIResponse": "trigger._response",
    "Client": "trigger._sync.client",
    "CursorPage": "trigger._sync.pagination",
    "OffsetPage": "trigger._sync.pagination",
    "Page": "trigger._sync.pagination",
    "RunSubscription": "trigger._sync.realtime",
    "RunStream": "trigger._sync.streams",
    "FINAL_RUN_STATUSES": "trigger.types.runs",
    "LEGACY_RUN_STATUSES": "trigger.types.runs",
    "RUN_STATUSES": "trigger.types.runs",
    "LegacyRunStatus": "trigger.types.runs",
    "RunStatus": "trigger.types.runs",
    "IdempotencyKey": "trigger._wire.idempotency",
    "webhooks": "trigger.webhooks",
}

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ApiError",
    "AsyncClient",
    "AsyncCursorPage",
    "AsyncOffsetPage",
    "AsyncPage",
    "AsyncPaginator",
    "AsyncRunStream",
    "AsyncRunSubscription",
    "AuthenticationError",
    "BatchNotSealedError",
    "BatchTriggerError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "CursorPage",
    "FINAL_RUN_STATUSES",
    "IdempotencyKey",
    "InternalServerError",
    "LEGACY_RUN_STATUSES",
    "LegacyRunStatus",
    "MissingCredentialsError",
    "NotFoundError",
    "OffsetPage",
    "Page",
    "PaginationError",
    "PermissionDeniedError",
    "PollTimeoutError",
    "RUN_STATUSES",
    "RateLimitError",
    "RequestOptions",
    "ResponseTooLargeError",
    "RetryOptions",
    "RunStream",
    "RunSubscription",
    "RunStatus",
    "TriggerError",
    "UnprocessableEntityError",
    "UnsendableRequestError",
    "__version__",
    "aiohttp_http_client",
    "configure",
    "default_client",
    "runs",
    "tasks",
    "batch",
    "idempotency_keys",
    "auth",
    "packets",
    "errors",
    "queues",
    "concurrency_limits",
    "schedules",
    "envvars",
    "deployments",
    "wait",
    "sessions",
    "streams",
    "query",
    "prompts",
    "types",
    "webhooks",
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'trigger' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if name in ("types", "webhooks") else getattr(module, name)
    if isinstance(value, type) and value.__module__.startswith("trigger."):
        value.__module__ = "trigger"  # reprs and docs read trigger.Client, not trigger._sync...
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


for _name in __all__:
    _obj = globals().get(_name)
    if isinstance(_obj, type) and _obj.__module__.startswith("trigger."):
        _obj.__module__ = "trigger"
del _name, _obj
