"""``trigger.configure(...)`` and the module-level resources, as in the official SDK.

    import trigger
    trigger.configure(secret_key="tr_dev_...")
    for run in trigger.runs.list(limit=10, status=["COMPLETED"]):
        ...

The module-level resources belong to a sync `Client` made on first use from the last
`configure` call (or from the environment when `configure` was never called).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from trigger._config import make_config
from trigger._constants import DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_TIMEOUT
from trigger._retry import RetryOptions
from trigger._types import TimeoutTypes

if TYPE_CHECKING:
    from trigger._sync.client import Client
    from trigger._sync.resources.auth import Auth
    from trigger._sync.resources.batch import Batch
    from trigger._sync.resources.concurrency_limits import ConcurrencyLimits
    from trigger._sync.resources.deployments import Deployments
    from trigger._sync.resources.envvars import EnvVars
    from trigger._sync.resources.errors import Errors
    from trigger._sync.resources.idempotency_keys import IdempotencyKeys
    from trigger._sync.resources.packets import Packets
    from trigger._sync.resources.prompts import Prompts
    from trigger._sync.resources.query import Query
    from trigger._sync.resources.queues import Queues
    from trigger._sync.resources.runs import Runs
    from trigger._sync.resources.schedules import Schedules
    from trigger._sync.resources.sessions import Sessions
    from trigger._sync.resources.streams import Streams
    from trigger._sync.resources.tasks import Tasks
    from trigger._sync.resources.wait import Wait

__all__ = [
    "configure",
    "default_client",
    "auth",
    "batch",
    "concurrency_limits",
    "deployments",
    "envvars",
    "errors",
    "idempotency_keys",
    "packets",
    "prompts",
    "query",
    "queues",
    "runs",
    "schedules",
    "sessions",
    "streams",
    "tasks",
    "wait",
]

_lock = threading.Lock()
_settings: dict[str, Any] = {}
_client: Client | None = None


def configure(
    secret_key: str | None = None,
    *,
    access_token: str | None = None,
    base_url: str | None = None,
    preview_branch: str | None = None,
    timeout: TimeoutTypes = DEFAULT_TIMEOUT,
    retry: RetryOptions | None = None,
    default_headers: Mapping[str, str] | None = None,
    max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
) -> None:
    """Set up the client behind the module-level resources (``trigger.runs`` and others).

    Takes the same arguments as `Client`. Settings are validated now; the client is made on
    first use. Calling it again replaces the previous settings (and closes the old client).

    Args:
        secret_key: A secret key or personal access token.
        access_token: The same as ``secret_key`` (the official SDK's current name).
        base_url: The API origin.
        preview_branch: The branch to target.
        timeout: Seconds for a whole attempt, an `httpx.Timeout`, or ``None``.
        retry: The retry policy.
        default_headers: Extra headers for every request.
        max_response_size: The largest response body read, in bytes after decoding.
    """
    global _client
    # Validate now, so mistakes surface at configure time rather than at first use.
    make_config(
        secret_key=secret_key,
        access_token=access_token,
        base_url=base_url,
        preview_branch=preview_branch,
        timeout=timeout,
        retry=retry,
        default_headers=default_headers,
        max_response_size=max_response_size,
    )
    settings: dict[str, Any] = {
        "secret_key": secret_key,
        "access_token": access_token,
        "base_url": base_url,
        "preview_branch": preview_branch,
        "timeout": timeout,
        "retry": retry,
        "default_headers": default_headers,
        "max_response_size": max_response_size,
    }
    with _lock:
        old, _client = _client, None
        _settings.clear()
        _settings.update(settings)
    if old is not None:
        old.close()


def default_client() -> Client:
    """The `Client` behind the module-level resources, made on first use."""
    global _client
    with _lock:
        if _client is None:
            from trigger._sync.client import Client

            _client = Client(**_settings)
        return _client


class _ModuleResource:
    """Forwards attribute access to one resource of the default client."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(getattr(default_client(), self._name), attribute)

    def __repr__(self) -> str:
        return f"<trigger.{self._name} of the default client>"


runs = cast("Runs", _ModuleResource("runs"))
"""The runs API of the default client (see `configure`)."""

tasks = cast("Tasks", _ModuleResource("tasks"))
"""Tasks: trigger one run, batch-trigger many. (default client)"""

batch = cast("Batch", _ModuleResource("batch"))
"""Batches: two-phase batch trigger, item streams, retrieve, results. (default client)"""

idempotency_keys = cast("IdempotencyKeys", _ModuleResource("idempotency_keys"))
"""Idempotency keys: derive them as the official SDK does, reset them. (default client)"""

auth = cast("Auth", _ModuleResource("auth"))
"""Public access tokens for browsers and other untrusted callers. (default client)"""

packets = cast("Packets", _ModuleResource("packets"))
"""Payload packets: presigned URLs for offloaded payloads and outputs. (default client)"""

errors = cast("Errors", _ModuleResource("errors"))
"""Error groups: list, retrieve, resolve, ignore, unresolve. (default client)"""

queues = cast("Queues", _ModuleResource("queues"))
"""Queues: list, retrieve, pause, resume, concurrency overrides. (default client)"""

concurrency_limits = cast("ConcurrencyLimits", _ModuleResource("concurrency_limits"))
"""Named concurrency limits: list, retrieve, override, reset, pause, resume. (default client)"""

schedules = cast("Schedules", _ModuleResource("schedules"))
"""Schedules: create, list, retrieve, update, delete, (de)activate, timezones. (default client)"""

envvars = cast("EnvVars", _ModuleResource("envvars"))
"""Environment variables of a project environment. (default client)"""

deployments = cast("Deployments", _ModuleResource("deployments"))
"""Deployments: list, retrieve, current, latest, promote. (default client)"""

wait = cast("Wait", _ModuleResource("wait"))
"""Waitpoint tokens: create, list, retrieve, complete. (default client)"""

sessions = cast("Sessions", _ModuleResource("sessions"))
"""Sessions and their input/output channels. (default client)"""

streams = cast("Streams", _ModuleResource("streams"))
"""Realtime streams of runs: read them live, append, send to input streams. (default client)"""

query = cast("Query", _ModuleResource("query"))
"""Query: run TRQL queries, read the schema, manage dashboards. (default client)"""

prompts = cast("Prompts", _ModuleResource("prompts"))
"""Managed prompts: list, resolve, versions, promote, overrides. (default client)"""
