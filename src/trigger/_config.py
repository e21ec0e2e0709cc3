"""Client configuration: arguments, environment variables and the headers built from them."""

from __future__ import annotations

import math
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import httpx

from trigger._constants import (
    API_VERSION,
    DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_SIZE,
    RESERVED_HEADERS,
)
from trigger._exceptions import MissingCredentialsError
from trigger._retry import RetryOptions
from trigger._types import RequestOptions, TimeoutTypes
from trigger._validation import (
    check_credential,
    check_header_value,
    check_headers,
    check_number,
    check_str,
)
from trigger._version import __version__

KeyKind = Literal["secret_key", "personal_access_token", "public_key", "public_access_token"]

_SECRET_KEY = re.compile(r"^tr_(dev|stg|prod|preview)_")


def key_kind(key: str) -> KeyKind:
    """Classify a credential by its prefix (the same rule as the official client)."""
    if key.startswith("tr_pat_"):
        return "personal_access_token"
    if _SECRET_KEY.match(key):
        return "secret_key"
    if key.startswith("pk_"):
        return "public_key"
    return "public_access_token"


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def _first_env(*names: str) -> tuple[str, str] | None:
    """The first of these variables that is set and not empty, as ``(name, value)``."""
    for name in names:
        value = _env(name)
        if value is not None:
            return name, value
    return None


def resolve_key(secret_key: str | None, access_token: str | None) -> str | None:
    """The credential: argument, then ``TRIGGER_SECRET_KEY``, then ``TRIGGER_ACCESS_TOKEN``.

    A key from a variable is checked exactly like an argument, and an error names where the
    key came from without echoing it.
    """
    if secret_key is not None and access_token is not None and secret_key != access_token:
        raise ValueError("pass either secret_key or access_token, not two different keys")
    if secret_key is not None:
        return check_credential("secret_key", secret_key)
    if access_token is not None:
        return check_credential("access_token", access_token)
    found = _first_env("TRIGGER_SECRET_KEY", "TRIGGER_ACCESS_TOKEN")
    return None if found is None else check_credential(*found)


def _check_branch(name: str, value: object) -> str:
    # Sent as the x-trigger-branch header, so it must be a valid header value.
    return check_header_value(name, check_str(name, value))


def resolve_branch(preview_branch: str | None) -> str | None:
    """The branch: argument, then the env vars the official client reads, in its order.

    Each is checked as a header value (it is sent as ``x-trigger-branch``); an error names
    the argument or the variable.
    """
    if preview_branch is not None:
        return _check_branch("preview_branch", preview_branch)
    found = _first_env("TRIGGER_PREVIEW_BRANCH", "VERCEL_GIT_COMMIT_REF")
    if found is not None:
        return _check_branch(*found)
    dev_branch = _env("TRIGGER_DEV_BRANCH")
    if dev_branch is None or dev_branch == "default":
        return None
    return _check_branch("TRIGGER_DEV_BRANCH", dev_branch)


def resolve_base_url(base_url: str | None) -> str:
    """The API origin: argument, then ``TRIGGER_API_URL``, then the cloud; one trailing / cut.

    An error names the argument or the variable the URL came from.
    """
    if base_url is not None:
        return check_base_url("base_url", base_url)
    from_env = _env("TRIGGER_API_URL")
    if from_env is not None:
        return check_base_url("TRIGGER_API_URL", from_env)
    return DEFAULT_BASE_URL


def check_base_url(name: str, url: object) -> str:
    """Return ``url`` (one trailing ``/`` cut) if httpx can send requests below it.

    Refused: another scheme than http(s), no host, whitespace or control characters
    (httpx would percent-encode them into the host or path), a port outside 1-65535,
    credentials (``user:pass@``: httpx would send them instead of the key), a query or a
    fragment (the request paths are appended to the URL). The URL is not echoed: it may
    carry credentials.
    """
    import httpx

    text = check_str(name, url)
    if any(c.isspace() or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text):
        raise ValueError(f"{name} contains whitespace or control characters")
    if not text.lower().startswith(("http://", "https://")):
        raise ValueError(f"{name} must start with http:// or https://")
    try:
        parsed = httpx.URL(text)
        port = parsed.port
    except (httpx.InvalidURL, ValueError):
        # Not chained: the parser's message quotes the URL.
        raise ValueError(f"{name} is not a valid URL") from None
    if not parsed.host:
        raise ValueError(f"{name} has no host")
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"{name} has a port outside 1-65535")
    if parsed.userinfo:
        raise ValueError(f"{name} must not contain credentials (user:password@)")
    if parsed.query or parsed.fragment or "?" in text or "#" in text:
        raise ValueError(f"{name} must not have a query string or a fragment")
    return text[:-1] if text.endswith("/") else text


def _streams_version() -> str:
    for name in ("TRIGGER_V2_REALTIME_STREAMS", "TRIGGER_REALTIME_STREAMS_V2"):
        if (os.environ.get(name) or "").lower() in ("0", "false"):
            return "v1"
    return "v2"


def check_extra_headers(name: str, headers: Mapping[str, str] | None) -> dict[str, str]:
    """Validate user headers and refuse those the SDK sets itself."""
    checked = check_headers(name, headers)
    for key in checked:
        if key.lower() in RESERVED_HEADERS:
            raise ValueError(f"{name} may not set {key!r}: the SDK manages that header")
    return checked


@dataclass(frozen=True)
class ClientConfig:
    """Resolved settings of one client; shared, read-only, by its `with_options` copies."""

    api_key: str | None = field(repr=False)
    base_url: str
    preview_branch: str | None
    timeout: TimeoutTypes
    retry: RetryOptions
    default_headers: Mapping[str, str]
    max_response_size: int
    base_headers: Mapping[str, str] = field(init=False, repr=False)
    public_headers: Mapping[str, str] = field(init=False, repr=False)
    """What public endpoints (timezones, waitpoint callbacks) get: neither the key nor the
    SDK's version headers, as from the official client; the caller's default headers do."""
    shape_headers: Mapping[str, str] = field(init=False, repr=False)
    """What realtime run subscriptions (Electric shapes) get: the key, the two version headers
    and the branch, as from the official client's shape stream (no ``content-type``,
    ``x-trigger-source`` or streams version); the caller's default headers too."""

    def __post_init__(self) -> None:
        headers = {
            "content-type": "application/json",
            "trigger-version": __version__,
            "x-trigger-api-version": API_VERSION,
            "x-trigger-source": "sdk",
            "x-trigger-realtime-streams-version": _streams_version(),
            "user-agent": f"trigger-sdk-python/{__version__}",
        }
        if self.preview_branch:
            headers["x-trigger-branch"] = self.preview_branch
        defaults = {key.lower(): value for key, value in self.default_headers.items()}
        public = {"content-type": headers["content-type"], "user-agent": headers["user-agent"]}
        headers.update(defaults)
        if self.api_key is not None:
            headers["authorization"] = f"Bearer {self.api_key}"
        shape = (
            "authorization",
            "trigger-version",
            "x-trigger-api-version",
            "x-trigger-branch",
            "user-agent",
        )
        object.__setattr__(self, "base_headers", headers)
        object.__setattr__(self, "public_headers", {**public, **defaults})
        object.__setattr__(
            self,
            "shape_headers",
            {**{key: headers[key] for key in shape if key in headers}, **defaults},
        )

    @property
    def key_kind(self) -> KeyKind | None:
        """What kind of credential the client holds, or ``None`` without one."""
        return key_kind(self.api_key) if self.api_key is not None else None

    def require_key(self) -> str:
        """The key, or a clear error naming the variables that were looked at."""
        if self.api_key is None:
            raise MissingCredentialsError(
                "No Trigger.dev API key: pass secret_key= (or access_token=) to the client or "
                "configure(), or set TRIGGER_SECRET_KEY or TRIGGER_ACCESS_TOKEN."
            )
        return self.api_key

    def describe_key(self) -> str:
        """A safe description of the key for reprs: its kind and environment prefix only."""
        if self.api_key is None:
            return "None"
        match = _SECRET_KEY.match(self.api_key)
        prefix = (
            match.group(0)
            if match
            else self.api_key[:7]
            if self.api_key.startswith("tr_pat_")
            else ""
        )
        return f"'{prefix}***'"


def make_config(
    *,
    secret_key: str | None,
    access_token: str | None,
    base_url: str | None,
    preview_branch: str | None,
    timeout: TimeoutTypes,
    retry: RetryOptions | None,
    default_headers: Mapping[str, str] | None,
    max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
) -> ClientConfig:
    """Resolve every setting from arguments and the environment, validating each."""
    if retry is not None and not isinstance(retry, RetryOptions):
        raise TypeError(f"retry must be a RetryOptions, not {type(retry).__name__}")
    api_key = resolve_key(secret_key, access_token)
    url = resolve_base_url(base_url)
    # Every client goes through here: mask presigned URLs and callback hashes in the logs
    # of the SDK, httpx and httpcore from now on, but keep this API's query strings.
    from trigger import _logging  # with the first client, not at import (it loads logging)

    _logging.install()
    _logging.register_api_base(url)
    return ClientConfig(
        api_key=api_key,
        base_url=url,
        preview_branch=resolve_branch(preview_branch),
        timeout=check_timeout("timeout", timeout),
        retry=retry or RetryOptions(),
        default_headers=check_extra_headers("default_headers", default_headers),
        max_response_size=int(
            check_number("max_response_size", max_response_size, minimum=1, integer=True)
        ),
    )


def check_timeout(name: str, timeout: TimeoutTypes) -> TimeoutTypes:
    """Accept seconds, an `httpx.Timeout` or ``None``."""
    import httpx

    if timeout is None or isinstance(timeout, httpx.Timeout):
        return timeout
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        # NaN and infinity would reach the clocks of httpx and anyio, which refuse them
        # (or, for infinity, never time out); None is how to ask for no timeout.
        raise ValueError(
            f"{name} must be a positive, finite number of seconds, an httpx.Timeout or None"
        )
    return float(timeout)


def as_httpx_timeout(timeout: TimeoutTypes) -> httpx.Timeout:
    """The per-attempt timeout as httpx wants it; connecting gets at most 10 s."""
    import httpx

    if isinstance(timeout, httpx.Timeout):
        return timeout
    if timeout is None:
        return httpx.Timeout(None)
    return httpx.Timeout(timeout, connect=min(timeout, DEFAULT_CONNECT_TIMEOUT))


def request_idempotency_key(options: RequestOptions | None) -> str:
    """The caller's request idempotency key, else a fresh UUID v4 for this logical call."""
    if options and "idempotency_key" in options:
        name = "request_options['idempotency_key']"
        key = options["idempotency_key"]
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f"{name} must be a non-empty str")
        return check_header_value(name, key)
    return str(uuid.uuid4())


def loggable_path(path: str) -> str:
    """The path as it may appear in logs: segments that authenticate a request are masked."""
    from trigger._logging import mask_path

    return mask_path(path)
