"""Settings and helpers of the opt-in tests against a real Trigger.dev server.

The ``tests/_async/test_real_*.py`` modules (and their generated ``tests/_sync`` twins) talk
to a live server named by environment variables; see docs/guides/real-server.md. Without
``TRIGGER_REAL_API_URL`` and ``TRIGGER_REAL_SECRET_KEY`` every such test is skipped.

The variables are read once, when this module is imported: the suite's autouse fixture
removes every ``TRIGGER_*`` variable from the environment before each test runs.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

import trigger
from trigger._types import RequestOptions

__all__ = [
    "NO_RETRY",
    "RUN_ID",
    "SETTINGS",
    "SKIP_REASON",
    "RealServer",
    "client_options",
    "load_settings",
    "requires",
    "settings",
    "skip_unless_configured",
    "unique",
]

SKIP_REASON = (
    "set TRIGGER_REAL_API_URL and TRIGGER_REAL_SECRET_KEY (a tr_dev_ key) to run against a "
    "real server; see docs/guides/real-server.md"
)

NO_RETRY: RequestOptions = {"max_attempts": 1}
"""Per-call options for error cases: the first answer is the one asserted on.

Without it a 5xx, or a 404 the server marks ``x-should-retry: true``, is retried with
backoff for several seconds before the error surfaces.
"""

RUN_ID = uuid.uuid4().hex[:10]
"""Names everything this test session creates on the server (tags, keys, external ids)."""

_OPTIONAL = {
    "prod_key": "TRIGGER_REAL_PROD_KEY",
    "staging_key": "TRIGGER_REAL_STAGING_KEY",
    "preview_key": "TRIGGER_REAL_PREVIEW_KEY",
    "preview_branch": "TRIGGER_REAL_PREVIEW_BRANCH",
    "pat": "TRIGGER_REAL_PAT",
    "project_ref": "TRIGGER_REAL_PROJECT_REF",
    "session_channels": "TRIGGER_REAL_SESSION_CHANNELS",
}


@dataclass(frozen=True)
class RealServer:
    """Where the real-server tests go and with which credentials.

    Nothing here is tied to one server: point the variables at a hosted instance, a
    self-hosted one or a local emulator and the same tests run there.
    """

    api_url: str
    """The API origin (``TRIGGER_REAL_API_URL``)."""
    secret_key: str = field(repr=False)
    """A secret key of a dev environment whose worker executes `task`."""
    task: str = "hello"
    """A task the dev worker executes and that returns ``{"greeting", "echo": payload}``."""
    scheduled_task: str = "hourly"
    """A scheduled task (``schedules.task``) of the same project; its queue is the one the
    tests pause and override, so runs of `task` that others rely on are never held up."""
    run_timeout: float = 60.0
    """Seconds a test waits for a run (or a batch, or a bulk action) to finish."""
    prod_key: str | None = field(default=None, repr=False)
    """A ``tr_prod_`` key of the same project (runs there are never executed)."""
    staging_key: str | None = field(default=None, repr=False)
    """A ``tr_stg_`` key of the same project."""
    preview_key: str | None = field(default=None, repr=False)
    """A ``tr_preview_`` key of the same project."""
    preview_branch: str | None = None
    """A live preview branch of that project, for `preview_key`."""
    pat: str | None = field(default=None, repr=False)
    """A personal access token (``tr_pat_``) of a member of the project."""
    project_ref: str | None = None
    """The project's ref (``proj_…``), for env vars and project-wide run lists."""
    session_channels: bool = False
    """Whether the server stores session channel records (it needs an S2 stream store;
    ``TRIGGER_REAL_SESSION_CHANNELS=1``)."""

    def has(self, name: str) -> bool:
        """Whether the optional setting ``name`` (an attribute name) is given."""
        return getattr(self, name) not in (None, False)


def load_settings(environ: Mapping[str, str]) -> RealServer | None:
    """The settings found in ``environ``, or ``None`` when the two required ones are absent.

    Raises:
        ValueError: A variable is set to something that cannot work (named, never echoed).
    """

    def get(name: str) -> str | None:
        value = environ.get(name, "").strip()
        return value or None

    api_url, secret_key = get("TRIGGER_REAL_API_URL"), get("TRIGGER_REAL_SECRET_KEY")
    if api_url is None or secret_key is None:
        return None
    if not api_url.startswith(("http://", "https://")):
        raise ValueError("TRIGGER_REAL_API_URL must be an http(s) URL")
    if not secret_key.startswith("tr_dev_"):
        # Runs only execute in dev on a server without a supervisor (and on ours).
        raise ValueError("TRIGGER_REAL_SECRET_KEY must be a dev environment key (tr_dev_…)")
    optional: dict[str, Any] = {attr: get(var) for attr, var in _OPTIONAL.items()}
    prefixes = {"prod_key": "tr_prod_", "staging_key": "tr_stg_", "preview_key": "tr_preview_"}
    prefixes["pat"] = "tr_pat_"
    for attr, prefix in prefixes.items():
        if optional[attr] is not None and not optional[attr].startswith(prefix):
            raise ValueError(f"{_OPTIONAL[attr]} must start with {prefix}")
    channels = optional["session_channels"]
    if channels is not None and channels not in ("0", "1"):
        raise ValueError("TRIGGER_REAL_SESSION_CHANNELS must be 0 or 1")
    optional["session_channels"] = channels == "1"
    timeout = get("TRIGGER_REAL_RUN_TIMEOUT")
    return RealServer(
        api_url=api_url.rstrip("/"),
        secret_key=secret_key,
        task=get("TRIGGER_REAL_TASK") or "hello",
        scheduled_task=get("TRIGGER_REAL_SCHEDULED_TASK") or "hourly",
        run_timeout=float(timeout) if timeout else 60.0,
        **optional,
    )


SETTINGS = load_settings(os.environ)
"""The settings of this session (``None``: the real-server tests are skipped)."""


def skip_unless_configured() -> None:
    """Skip the calling test module, as a whole, when no real server is configured.

    Called at import, so an unconfigured run reports one skip per module, not per test.
    """
    if SETTINGS is None:
        pytest.skip(SKIP_REASON, allow_module_level=True)


def settings() -> RealServer:
    """The session's settings; skips the calling test when there are none."""
    if SETTINGS is None:
        pytest.skip(SKIP_REASON)
    return SETTINGS


def requires(*names: str) -> pytest.MarkDecorator:
    """Skip a test unless the optional settings ``names`` (attribute names) are all given."""
    missing = [name for name in names if SETTINGS is not None and not SETTINGS.has(name)]
    variables = ", ".join(_OPTIONAL[name] for name in missing)
    return pytest.mark.skipif(
        bool(missing), reason=f"set {variables} to run this test; see docs/guides/real-server.md"
    )


def client_options(key: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments of a client of the real server (the dev key unless ``key``).

    Retries are kept short: a shared server answers slowly at times, but a test should
    fail in seconds, not after the default policy's 30 s waits.
    """
    server = settings()
    options: dict[str, Any] = {
        "secret_key": key if key is not None else server.secret_key,
        "base_url": server.api_url,
        "retry": trigger.RetryOptions(max_attempts=3, min_timeout=0.5, max_timeout=5.0),
        "timeout": 30.0,
    }
    options.update(overrides)
    return options


def unique(label: str) -> str:
    """A name no other test (or test session) uses: ``pytest-<session>-<label>-<random>``."""
    return f"pytest-{RUN_ID}-{label}-{uuid.uuid4().hex[:8]}"
