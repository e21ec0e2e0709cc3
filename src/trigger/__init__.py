"""trigger: the Python SDK for the Trigger.dev management API.

import trigger

client = trigger.Client()  # reads TRIGGER_SECRET_KEY
for run in client.runs.list(limit=10, status="COMPLETED"):
    print(run.id, run.status)
"""

from __future__ import annotations

from trigger import types
from trigger._async.client import AsyncClient
from trigger._async.pagination import AsyncCursorPage, AsyncOffsetPage, AsyncPage
from trigger._default import (
    auth,
    batch,
    configure,
    default_client,
    deployments,
    envvars,
    errors,
    idempotency_keys,
    packets,
    query,
    queues,
    runs,
    schedules,
    sessions,
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
    TriggerError,
    UnprocessableEntityError,
)
from trigger._paginator import AsyncPaginator
from trigger._response import APIResponse
from trigger._retry import RetryOptions
from trigger._sync.client import Client
from trigger._sync.pagination import CursorPage, OffsetPage, Page
from trigger._types import RequestOptions
from trigger._version import __version__

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
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "CursorPage",
    "InternalServerError",
    "MissingCredentialsError",
    "NotFoundError",
    "OffsetPage",
    "Page",
    "PermissionDeniedError",
    "PollTimeoutError",
    "RateLimitError",
    "RequestOptions",
    "RetryOptions",
    "TriggerError",
    "UnprocessableEntityError",
    "__version__",
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
    "schedules",
    "envvars",
    "deployments",
    "wait",
    "sessions",
    "query",
    "types",
]

for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and _obj.__module__.startswith("trigger."):
        _obj.__module__ = "trigger"
del _name, _obj
