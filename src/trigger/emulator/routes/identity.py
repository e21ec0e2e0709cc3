"""Who a credential is, and JWTs minted for a key (SERVER.md §2.15; measured on the server).

``POST /api/v1/auth/jwt`` signs ``{sub: <environment id>, pub: true, scopes?}`` with the
environment's root key (default lifetime one hour; a number ``expirationTime`` is the
``exp`` itself). ``GET /api/v1/whoami`` answers a secret key with its environment, project,
organization and member; ``GET /api/v2/whoami`` answers the personal access token with the
user (and, with ``?projectRef=`` of this project, the project). Both are legacy routes:
one 401 message each, Remix's answers for a method without a handler.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator import jwt
from trigger.emulator.auth import AuthFailure, authenticate_pat
from trigger.emulator.durations import iso
from trigger.emulator.project import DEV_USER_NAME, Environment
from trigger.emulator.routes._http import (
    Reply,
    emulator_state,
    endpoint,
    fail,
    json_response,
    legacy_auth,
    loads,
)
from trigger.emulator.routes._legacy import invalid_body, no_action, no_loader
from trigger.emulator.routes.tokens import expiration_timestamp
from trigger.emulator.shapes_schedules import shortcode
from trigger.emulator.state import EmulatorState
from trigger.emulator.validation import Arr, Num, Obj, Str, Union

__all__ = ["routes"]

_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_DEFAULT_LIFETIME = "1h"
_USER_EMAIL = "local@trigger.dev"
_ORG_SLUG = "emulator"
_ORG_TITLE = "Emulator"

MINT_BODY = Obj(
    {
        "claims": Obj({"scopes": Arr(Str()).optional()}).optional(),
        "expirationTime": Union(Num(), Str()).optional(),
    }
)

_created_ms: dict[str, int] = {}
"""When each project was first described (the emulator has no creation time of its own)."""


def _cuid(*parts: str) -> str:
    """A stable internal id for something the emulator names but does not store."""
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return "c" + digest[:24]


@endpoint
async def mint(request: Request) -> Response:
    """``POST /api/v1/auth/jwt``: ``{"token": <JWT>}`` for the key's environment."""
    if request.method == "GET":
        no_loader()
    credential = legacy_auth(request, "Invalid or Missing API key")
    env = credential.env
    assert env is not None
    try:
        raw = loads((await request.body()).decode("utf-8", "replace"))
    except ValueError:
        # The server reads the body with request.json() inside its catch-all: a 500.
        fail(500, "Internal Server Error")
    body, issues = MINT_BODY.parse(raw)
    if issues:
        invalid_body(issues)
    claims: dict[str, Any] = {"sub": env.id, "pub": True}
    if "claims" in body:
        claims["scopes"] = body["claims"].get("scopes", [])
    state = emulator_state(request)
    now_s = state.now_ms() // 1000
    expires = expiration_timestamp(body.get("expirationTime", _DEFAULT_LIFETIME), now_s)
    if expires is None:
        fail(500, "Internal Server Error")  # the signing library throws on it
    token = jwt.sign(claims, env.api_key, now_s=now_s, lifetime_s=int(expires) - now_s)
    return json_response({"token": token})


def _environment(state: EmulatorState, env: Environment) -> dict[str, Any]:
    project = state.project
    org_id = _cuid(project.id, "organization")
    created = iso(_created_ms.setdefault(project.id, state.now_ms()))
    dev = env.slug == "dev"
    user_id = _cuid(project.id, "user")
    member_id = _cuid(project.id, "member") if dev else None
    parent = project.env_by_id(env.parent_id) if env.parent_id else None
    out: dict[str, Any] = {
        "id": env.id,
        "slug": env.slug,
        "type": env.type,
        "apiKey": env.api_key,
        "organizationId": org_id,
        "projectId": project.id,
        "orgMemberId": member_id,
        "parentEnvironmentId": env.parent_id,
        "branchName": env.branch,
        "archivedAt": None,
        "paused": False,
        "shortcode": shortcode(env),
        "maximumConcurrencyLimit": 300,
        "concurrencyLimitBurstFactor": 2,
        "builtInEnvironmentVariableOverrides": None,
        "createdAt": created,
        "updatedAt": created,
        "project": {
            "id": project.id,
            "slug": "emulator",
            "name": "emulator",
            "externalRef": project.ref,
            "engine": "V2",
            "deletedAt": None,
            "defaultWorkerGroupId": None,
            "organizationId": org_id,
            "builderProjectId": None,
            "defaultRuntime": None,
        },
        "organization": {
            "id": org_id,
            "slug": _ORG_SLUG,
            "title": _ORG_TITLE,
            "streamBasinName": None,
            "maximumConcurrencyLimit": 300,
            "runsEnabled": True,
            "maximumDevQueueSize": None,
            "maximumDeployedQueueSize": None,
            "featureFlags": None,
            "apiRateLimiterConfig": None,
            "batchRateLimitConfig": None,
            "batchQueueConcurrencyConfig": None,
        },
        "orgMember": (
            {
                "userId": user_id,
                "user": {"id": user_id, "displayName": DEV_USER_NAME, "name": DEV_USER_NAME},
            }
            if dev
            else None
        ),
        "parentEnvironment": (
            {"id": parent.id, "apiKey": parent.api_key} if parent is not None else None
        ),
    }
    if dev:
        out["userId"] = user_id  # the member's user; JSON drops it when there is none
    return out


@endpoint
async def whoami_v1(request: Request) -> Response:
    """``GET /api/v1/whoami``: the key's environment (as the server's auth loads it)."""
    if request.method != "GET":
        no_action()
    credential = legacy_auth(request, "Invalid or Missing API key")
    assert credential.env is not None
    return json_response(_environment(emulator_state(request), credential.env))


@endpoint
async def whoami_v2(request: Request) -> Response:
    """``GET /api/v2/whoami``: the personal access token's user (``?projectRef=``: project)."""
    if request.method != "GET":
        no_action()
    state = emulator_state(request)
    try:
        authenticate_pat(
            state.project, request.headers.get("authorization"), strict=state.strict_keys
        )
    except AuthFailure:
        raise Reply(json_response({"error": "Invalid or Missing Access Token"}, 401)) from None
    out: dict[str, Any] = {
        "userId": _cuid(state.project.id, "user"),
        "email": _USER_EMAIL,
        "dashboardUrl": state.url,
    }
    if request.query_params.get("projectRef") == state.project.ref:
        out["project"] = {
            "url": f"{state.url}/orgs/{_ORG_SLUG}/projects/emulator",
            "name": "emulator",
            "orgTitle": _ORG_TITLE,
        }
    return json_response(out)


routes = [
    Route("/api/v1/auth/jwt", mint, methods=_ALL),
    Route("/api/v1/whoami", whoami_v1, methods=_ALL),
    Route("/api/v2/whoami", whoami_v2, methods=_ALL),
]
