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
from trigger._constants import DEFAULT_TIMEOUT
from trigger._retry import RetryOptions
from trigger._types import TimeoutTypes

if TYPE_CHECKING:
    from trigger._sync.client import Client
    from trigger._sync.resources.runs import Runs

__all__ = ["configure", "default_client", "runs"]

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
) -> None:
    """Set up the client behind the module-level resources (``trigger.runs`` and others).

    Takes the same arguments as `Client`. Settings are validated now; the client is made on
    first use. Calling it again replaces the previous settings (and closes the old client).

    Args:
        secret_key: A secret key or personal access token.
        access_token: The same as ``secret_key`` (the official SDK's current name).
        base_url: The API origin.
        preview_branch: The branch to target.
        timeout: Seconds per attempt, an `httpx.Timeout`, or ``None``.
        retry: The retry policy.
        default_headers: Extra headers for every request.
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
    )
    settings: dict[str, Any] = {
        "secret_key": secret_key,
        "access_token": access_token,
        "base_url": base_url,
        "preview_branch": preview_branch,
        "timeout": timeout,
        "retry": retry,
        "default_headers": default_headers,
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
