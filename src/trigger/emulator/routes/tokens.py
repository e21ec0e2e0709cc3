"""Public access tokens (SERVER.md §2.15, §10): the claims to sign, and tokens minted here.

``POST /api/v1/auth/jwt/claims`` tells a root key's holder what to put in a token it signs
itself; ``POST /api/v1/auth/public-tokens`` mints one (default 15 minutes, at most 30
days). Tokens are HS256, signed with the environment's root key, and accepted wherever the
routes accept public tokens, with their scopes enforced.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator import jwt
from trigger.emulator.routes._http import (
    Reply,
    builder_auth,
    emulator_state,
    endpoint,
    fail,
    json_response,
    legacy_auth,
    loads,
)
from trigger.emulator.routes._legacy import invalid_body, no_loader
from trigger.emulator.validation import Arr, Bool, Num, Obj, Str, Union

__all__ = ["expiration_timestamp", "routes"]

_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_MAX_LIFETIME_S = 30 * 24 * 3600

PUBLIC_TOKEN_BODY = Obj(
    {
        "scopes": Arr(Str(), min_items=1),
        "expirationTime": Union(Str(), Num()).optional(),
        "oneTimeUse": Bool().optional(),
        "realtime": Obj({"skipColumns": Arr(Str()).optional()}).optional(),
    }
)

_RELATIVE = re.compile(
    r"^(\+|-)? ?(\d+|\d+\.\d+) ?(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|"
    r"weeks?|w|years?|yrs?|y)(?: (ago|from now))?$",
    re.IGNORECASE,
)


def expiration_timestamp(value: str | float, now_s: int) -> int | float | None:
    """Unix seconds for ``expirationTime`` (a number is already one), or ``None``."""
    if not isinstance(value, str):
        return value
    match = _RELATIVE.match(value)
    if not match or (match.group(4) and match.group(1)):
        return None
    amount = float(match.group(2))
    unit = match.group(3).lower()
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}.get(unit[0], 31_557_600)
    relative = round(amount * seconds)
    past = match.group(1) == "-" or (match.group(4) or "").lower() == "ago"
    return now_s - relative if past else now_s + relative


def _scope_allowed(scope: str) -> bool:
    # A root key may grant anything; only scopes without an action, or without a type other
    # than ``admin``, are refused (the server's scopesWithinAbility).
    parts = scope.split(":")
    action = parts[0]
    kind = parts[1] if len(parts) > 1 else ""
    return bool(action) and (bool(kind) or action == "admin")


@endpoint
async def claims(request: Request) -> Response:
    """``POST /api/v1/auth/jwt/claims``: ``{"sub": <environment id>, "pub": true}``."""
    if request.method == "GET":
        no_loader()
    credential = legacy_auth(request, "Invalid or Missing API key")
    assert credential.env is not None
    return json_response({"sub": credential.env.id, "pub": True})


@endpoint
async def public_tokens(request: Request) -> Response:
    """``POST /api/v1/auth/public-tokens``: a signed token for the given scopes."""
    if request.method == "GET":
        no_loader()
    credential = builder_auth(request, allow_jwt=False)
    env = credential.env
    assert env is not None
    try:
        raw = loads((await request.body()).decode("utf-8", "replace"))
    except ValueError:
        fail(400, "Invalid request body")
    body, issues = PUBLIC_TOKEN_BODY.parse(raw)
    if issues:
        invalid_body(issues)
    denied = [scope for scope in body["scopes"] if not _scope_allowed(scope)]
    if denied:
        _forbidden(denied)
    state = emulator_state(request)
    now_s = state.now_ms() // 1000
    expires = expiration_timestamp(body.get("expirationTime", "15m"), now_s)
    if expires is None:
        fail(400, "Invalid expiration time")
    if expires <= now_s:
        fail(400, "Expiration time must be in the future")
    if expires - now_s > _MAX_LIFETIME_S:
        fail(400, "Expiration time cannot exceed 30 days")
    payload: dict[str, Any] = {"sub": env.id, "pub": True, "scopes": body["scopes"]}
    if body.get("oneTimeUse"):
        payload["otu"] = True
    if "realtime" in body:
        payload["realtime"] = body["realtime"]
    token = jwt.sign(payload, env.api_key, now_s=now_s, lifetime_s=int(expires - now_s))
    return json_response({"token": token})


def _forbidden(denied: list[str]) -> NoReturn:
    """403 for scopes beyond the key's access, naming them."""
    raise Reply(
        json_response(
            {
                "error": "Requested scopes exceed the API key's access",
                "code": "scopes_exceed_key_access",
                "deniedScopes": denied,
            },
            403,
        )
    )


routes = [
    Route("/api/v1/auth/jwt/claims", claims, methods=_ALL),
    Route("/api/v1/auth/public-tokens", public_tokens, methods=_ALL),
]
