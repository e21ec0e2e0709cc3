"""Who is calling: secret keys, public access tokens (JWTs) and personal access tokens.

By default any well-formed key (``tr_dev_…``, ``tr_stg_…``, ``tr_prod_…``, ``tr_preview_…``,
``tr_pat_…``) is accepted as that environment of the emulator's project; in strict mode only
the keys the emulator printed are. The refusal bodies depend on the kind of route (SERVER.md
§1.2): builder routes answer ``Invalid API key`` and friends, legacy routes one fixed
route-specific message, PAT routes ``Invalid or Missing PAT``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from typing import Literal

from trigger.emulator import jwt
from trigger.emulator.project import Environment, Project

__all__ = [
    "AuthFailure",
    "Credential",
    "Resource",
    "authenticate_builder",
    "authenticate_legacy",
    "authenticate_pat",
    "bearer",
    "can",
]

_SECRET_KEY = re.compile(r"^tr_(dev|stg|prod|preview)_[A-Za-z0-9_-]{1,200}$")
_PAT = re.compile(r"^tr_pat_[A-Za-z0-9_-]{1,200}$")

Resource = tuple[str, "str | None"]
"""A resource an ability check is about: ``(type, id)``; ``id`` ``None`` for the whole type."""


class AuthFailure(Exception):
    """A refusal: the status and JSON body to answer with."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.body = {"error": error}


@dataclasses.dataclass(frozen=True)
class Credential:
    """An accepted credential."""

    kind: Literal["secret_key", "jwt", "pat"]
    env: Environment | None
    """The environment it addresses (``None`` for a personal access token)."""
    scopes: tuple[str, ...] | None = None
    """A JWT's scopes; ``None`` means unrestricted (secret keys)."""
    claims_realtime: object | None = None

    @property
    def environment(self) -> Environment:
        """The environment addressed, for routes that take an API key or a JWT only (their
        auth has refused a personal access token before this is read)."""
        env = self.env
        assert env is not None, "a personal access token addresses no environment"
        return env

    def can(self, action: str, resources: Sequence[Resource], mode: str = "any") -> bool:
        """Whether this credential may do ``action`` on ``resources`` (keys may do anything)."""
        if self.scopes is None:
            return True
        return can(self.scopes, action, resources, mode)


def bearer(header: str | None) -> str | None:
    """The credential in an ``Authorization`` header (one leading ``Bearer `` removed)."""
    if header is None:
        return None
    value = header[7:] if header.startswith("Bearer ") else header
    value = value.strip()
    return value or None


def _scope_matches(scope: str, action: str, resource: Resource) -> bool:
    if scope == "admin":
        return True
    parts = scope.split(":", 2)
    if len(parts) < 2:
        return False
    scope_action, scope_type = parts[0], parts[1]
    scope_id = parts[2] if len(parts) == 3 else None
    if scope_action not in (action, "*"):
        return False
    if scope_type == "all":
        return True
    kind, ident = resource
    if scope_type != kind:
        return False
    return scope_id is None or scope_id == ident


def can(
    scopes: Iterable[str], action: str, resources: Sequence[Resource], mode: str = "any"
) -> bool:
    """The JWT ability rule (SERVER.md §1.3): ``any`` resource, or ``every`` distinct one."""
    scope_list = list(scopes)
    if not resources:
        return False
    checks = [
        any(_scope_matches(scope, action, resource) for scope in scope_list)
        for resource in dict.fromkeys(resources)
    ]
    return all(checks) if mode == "every" else any(checks)


def _key_env(project: Project, key: str, strict: bool) -> Environment | None:
    match = _SECRET_KEY.match(key)
    if not match:
        return None
    env = project.envs[match.group(1)]
    if key == env.api_key:
        return env
    if strict:
        return None
    project.remember_key(env, key)
    return env


def _branch_env(
    project: Project, env: Environment, branch: str | None, strict: bool
) -> Environment:
    name = (branch or "").strip()
    if env.type == "PREVIEW":
        if not name:
            raise AuthFailure(401, "x-trigger-branch header required for preview env")
    elif env.type != "DEVELOPMENT" or not name or name == "default":
        return env
    found = project.branch(env, name, create=not strict)
    if found is None:
        raise AuthFailure(401, "No matching branch env")
    return found


def _jwt_credential(project: Project, token: str, now_s: int) -> Credential:
    claims = jwt.decode_unverified(token)
    sub = claims.get("sub") if claims else None
    env = project.env_by_id(sub) if isinstance(sub, str) else None
    if env is None:
        raise AuthFailure(401, "Invalid Public Access Token")
    verified = jwt.verify(token, project.signing_keys(env), now_s=now_s)
    if verified is None:
        raise AuthFailure(401, "Public Access Token is invalid")
    raw_scopes = verified.get("scopes")
    scopes = (
        tuple(s for s in raw_scopes if isinstance(s, str)) if isinstance(raw_scopes, list) else ()
    )
    return Credential("jwt", env, scopes, verified.get("realtime"))


def authenticate_builder(
    project: Project,
    header: str | None,
    branch: str | None,
    *,
    allow_jwt: bool,
    strict: bool,
    now_s: int,
) -> Credential:
    """Authenticate for a builder route (``createLoaderApiRoute``/``createActionApiRoute``).

    Raises:
        AuthFailure: 401 with the builder's body for this credential.
    """
    token = bearer(header)
    if token is None:
        raise AuthFailure(401, "Invalid or Missing API key")
    env = _key_env(project, token, strict)
    if env is not None:
        return Credential("secret_key", _branch_env(project, env, branch, strict))
    if jwt.decode_unverified(token) is not None:
        if not allow_jwt:
            raise AuthFailure(401, "Invalid API key")
        return _jwt_credential(project, token, now_s)
    raise AuthFailure(401, "Invalid API key")


def authenticate_legacy(
    project: Project, header: str | None, branch: str | None, *, strict: bool, message: str
) -> Credential:
    """Authenticate for a legacy route: secret keys only, one refusal body for everything.

    Raises:
        AuthFailure: 401 with ``message``.
    """
    token = bearer(header)
    env = _key_env(project, token, strict) if token else None
    if env is None:
        raise AuthFailure(401, message)
    try:
        return Credential("secret_key", _branch_env(project, env, branch, strict))
    except AuthFailure:
        raise AuthFailure(401, message) from None


def authenticate_pat(project: Project, header: str | None, *, strict: bool) -> Credential:
    """Authenticate for a personal-access-token route.

    Raises:
        AuthFailure: 401 ``Invalid or Missing PAT`` or ``Invalid PAT``.
    """
    token = bearer(header)
    if token is None or not _PAT.match(token):
        raise AuthFailure(401, "Invalid or Missing PAT")
    if strict and token != project.personal_access_token:
        raise AuthFailure(401, "Invalid PAT")
    return Credential("pat", None)
