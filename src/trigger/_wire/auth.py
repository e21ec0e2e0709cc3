"""Public access tokens: key classification, scopes, expirations, and local HS256 signing.

Root secret keys sign their public tokens locally (the API only supplies the claims);
additional secret keys cannot, and have the API mint the token instead. Nothing here ever
puts the secret key in a message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from trigger._validation import check_bool, check_str, check_str_list, compact
from trigger.types.auth import ExpirationTime, PublicTokenPermissions, RealtimeOptions

__all__ = [
    "AUDIENCE",
    "DEFAULT_LIFETIME",
    "ISSUER",
    "MAX_LIFETIME",
    "expiration_seconds",
    "is_additional_secret_key",
    "now_seconds",
    "public_token_body",
    "scope_list",
    "sign_jwt",
    "signed_token_payload",
    "task_scopes",
]

ISSUER = "https://id.trigger.dev"
"""The ``iss`` claim of every public token."""
AUDIENCE = "https://api.trigger.dev"
"""The ``aud`` claim of every public token."""
DEFAULT_LIFETIME = 15 * 60
"""Seconds a public token lives when no expiration is given."""
MAX_LIFETIME = 30 * 24 * 60 * 60
"""The longest lifetime the API allows a public token: 30 days."""

_ADDITIONAL_KEY = re.compile(r"^tr_(?:dev|stg|prod|preview)_sk_[A-Za-z0-9]{24}$")

# The server's JWT abilities (SERVER.md §1.3): these actions and resource types, ``*`` for
# any action, ``all`` for any type, and the bare scope ``admin`` for everything.
_ACTIONS = {
    "read": "read",
    "write": "write",
    "trigger": "trigger",
    "batch_trigger": "batchTrigger",
    "update": "update",
}
_RESOURCES = {
    "runs": "runs",
    "tasks": "tasks",
    "tags": "tags",
    "batch": "batch",
    "waitpoints": "waitpoints",
    "input_streams": "inputStreams",
    "sessions": "sessions",
    "queues": "queues",
    "deployments": "deployments",
    "errors": "errors",
    "query": "query",
    "webhooks": "webhooks",
    "prompts": "prompts",
    "envvars": "envvars",
    "all": "all",
}
_UNIVERSAL_SCOPE = "admin"
# What the trigger actions may name: tasks (and, for batchTrigger, batches).
_TRIGGER_RESOURCES = {"trigger": {"tasks", "all"}, "batchTrigger": {"tasks", "batch", "all"}}

# The duration syntax the API itself parses (future durations only).
_DURATION = re.compile(
    r"^\+? ?(\d+|\d+\.\d+) ?(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w"
    r"|years?|yrs?|y)(?: from now)?$",
    re.IGNORECASE,
)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365.25 * 86400}


def is_additional_secret_key(key: str) -> bool:
    """Whether ``key`` is an additional secret key (``tr_{env}_sk_`` + 24 alphanumerics)."""
    return _ADDITIONAL_KEY.match(key) is not None


def now_seconds() -> int:
    """The current Unix time in whole seconds (the ``iat`` of a token)."""
    return int(time.time())


def _check_scope(name: str, scope: str) -> str:
    if check_str(name, scope) == _UNIVERSAL_SCOPE:
        return scope
    parts = scope.split(":", 2)
    action, resource = parts[0], parts[1] if len(parts) > 1 else ""
    if (action != "*" and action not in _ACTIONS.values()) or resource not in _RESOURCES.values():
        raise ValueError(
            f"{name} has an invalid scope {scope!r}: scopes are 'admin' or "
            f"'action:resource[:id]' with action in *, {', '.join(_ACTIONS.values())} and "
            f"resource in {', '.join(_RESOURCES.values())}"
        )
    if len(parts) == 3 and not parts[2]:
        raise ValueError(f"{name} has an invalid scope {scope!r}: the id after ':' is empty")
    allowed = _TRIGGER_RESOURCES.get(action)
    if allowed is not None and resource not in allowed:
        what = "tasks only" if action == "trigger" else "tasks and batches only"
        raise ValueError(f"{name} has an invalid scope {scope!r}: {action} applies to {what}")
    return scope


def _flatten(name: str, permissions: Mapping[str, Any]) -> list[str]:
    scopes: list[str] = []
    for action_key, resources in permissions.items():
        if action_key not in _ACTIONS:
            raise ValueError(
                f"{name} has an unknown action {action_key!r}; use {', '.join(_ACTIONS)}"
            )
        action = _ACTIONS[action_key]
        if not isinstance(resources, Mapping):
            raise TypeError(f"{name}[{action_key!r}] must be a mapping of resources")
        for resource_key, value in resources.items():
            where = f"{name}[{action_key!r}][{resource_key!r}]"
            if resource_key not in _RESOURCES:
                raise ValueError(f"{where} is not a resource; use {', '.join(_RESOURCES)}")
            prefix = f"{action}:{_RESOURCES[resource_key]}"
            if isinstance(value, bool):
                if value:
                    scopes.append(_check_scope(name, prefix))
            else:
                scopes.extend(
                    _check_scope(name, f"{prefix}:{item}") for item in check_str_list(where, value)
                )
    return scopes


def scope_list(scopes: str | Sequence[str] | PublicTokenPermissions) -> list[str]:
    """Scope strings from strings (``"read:runs:run_1"``) or a permissions mapping."""
    if isinstance(scopes, Mapping):
        result = _flatten("scopes", scopes)
    else:
        result = [_check_scope("scopes", scope) for scope in check_str_list("scopes", scopes)]
    if not result:
        raise ValueError("scopes must grant at least one scope")
    return result


def task_scopes(
    action: Literal["trigger", "batchTrigger"], task_ids: str | Sequence[str]
) -> list[str]:
    """``trigger:tasks:{id}`` or ``batchTrigger:tasks:{id}`` for each task."""
    ids = check_str_list("task_ids", task_ids)
    if not ids:
        raise ValueError("task_ids must name at least one task")
    return [f"{action}:tasks:{task_id}" for task_id in ids]


def _duration_seconds(value: str) -> int:
    match = _DURATION.match(value.strip())
    if match is None:
        raise ValueError(
            f"expiration_time {value!r} is not a duration such as '15m', '1h', '2 days'"
        )
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)[0].lower()]
    return math.floor(seconds + 0.5)


def expiration_seconds(value: ExpirationTime | None, now: int, *, capped: bool = False) -> int:
    """The absolute ``exp`` (Unix seconds) of a token issued at ``now``.

    ``capped``: the API's minting endpoint refuses lifetimes over 30 days; a token signed
    locally with a root key has no such limit.
    """
    if value is None:
        exp = now + DEFAULT_LIFETIME
    elif isinstance(value, bool):
        raise TypeError("expiration_time must be a duration, Unix seconds, datetime or timedelta")
    elif isinstance(value, timedelta):
        exp = now + math.floor(value.total_seconds())
    elif isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("expiration_time must be a timezone-aware datetime")
        exp = math.floor(value.timestamp())
    elif isinstance(value, int):
        exp = value
    elif isinstance(value, str):
        exp = now + _duration_seconds(check_str("expiration_time", value))
    else:
        raise TypeError(
            "expiration_time must be a duration string, Unix seconds, datetime or timedelta, "
            f"not {type(value).__name__}"
        )
    if exp <= now:
        raise ValueError("expiration_time must be in the future")
    if capped and exp - now > MAX_LIFETIME:
        raise ValueError("expiration_time must be at most 30 days from now")
    return exp


def _realtime(realtime: RealtimeOptions | None) -> dict[str, list[str]] | None:
    if realtime is None:
        return None
    if not isinstance(realtime, Mapping):
        raise TypeError(f"realtime must be a mapping, not {type(realtime).__name__}")
    unknown = sorted(str(key) for key in realtime if key != "skip_columns")
    if unknown:
        raise ValueError(f"realtime has unknown field(s) {', '.join(unknown)}; use skip_columns")
    columns = realtime.get("skip_columns")
    if columns is None:
        return {}
    return {"skipColumns": check_str_list("realtime['skip_columns']", columns)}


def public_token_body(
    *,
    scopes: list[str],
    expiration_time: ExpirationTime | None,
    one_time_use: bool | None,
    realtime: RealtimeOptions | None,
    now: int,
) -> dict[str, Any]:
    """Body of ``POST /api/v1/auth/public-tokens`` (the server applies its 15 m default)."""
    expiration: str | int | None = None
    if expiration_time is not None:
        exp = expiration_seconds(expiration_time, now, capped=True)
        # Durations and Unix seconds go out as given (the API parses both, relative to its own
        # clock); datetimes and timedeltas become Unix seconds.
        is_as_given = isinstance(expiration_time, (str, int))
        expiration = expiration_time if is_as_given else exp  # type: ignore[assignment]
    return compact(
        {
            "scopes": scopes,
            "expirationTime": expiration,
            "oneTimeUse": None
            if one_time_use is None
            else check_bool("one_time_use", one_time_use),
            "realtime": _realtime(realtime),
        }
    )


def signed_token_payload(
    *,
    claims: Mapping[str, Any],
    scopes: list[str],
    one_time_use: bool | None,
    realtime: RealtimeOptions | None,
    issued_at: int,
    expires_at: int,
) -> dict[str, Any]:
    """The JWT payload a root key signs: the API's claims, the scopes and the time claims."""
    if one_time_use is not None:
        check_bool("one_time_use", one_time_use)
    return {
        **claims,
        **compact({"scopes": scopes, "otu": one_time_use, "realtime": _realtime(realtime)}),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": issued_at,
        "exp": expires_at,
    }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_jwt(payload: Mapping[str, Any], secret: str) -> str:
    """An HS256 JWT of ``payload`` signed with ``secret``."""
    header = {"alg": "HS256", "typ": "JWT"}
    segments = [
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload)
    ]
    signing_input = ".".join(segments).encode("ascii")
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{signing_input.decode('ascii')}.{_b64url(signature)}"
