"""Credentials: missing, unknown, of the wrong kind, for the wrong environment; auth endpoints."""

from __future__ import annotations

from typing import Any

from tests.parity.framework import Ctx, Req, Scenario
from tests.parity.scenarios._common import delayed, trigger

_RUNS = "/api/v1/runs"


def _keys_only(ctx: Ctx, body: Any) -> Any:
    """Only the field names of an answer that is not a stable contract (``whoami`` v1)."""
    return sorted(body) if isinstance(body, dict) else body


def _raw_key(ctx: Ctx) -> None:
    # One leading "Bearer " is optional: the bare key is accepted too.
    ctx.request(
        "GET",
        _RUNS,
        auth="raw:" + ctx.target.keys["dev"],
        params={"filter[tag]": ctx.name("none")},
        name="bare key without Bearer",
    )


def _jwt_steps(ctx: Ctx) -> None:
    jwt = ctx.vars["jwt"]
    ctx.request("GET", "/api/v3/runs/{run}", auth=f"bearer:{jwt}", name="JWT reads its run")
    ctx.request("GET", "/api/v3/runs/{other}", auth=f"bearer:{jwt}", name="JWT reads another run")
    ctx.request("GET", _RUNS, auth=f"bearer:{jwt}", name="JWT lists runs")
    ctx.request(
        "POST",
        "/api/v1/tasks/hello/trigger",
        auth=f"bearer:{jwt}",
        json={"payload": None, "options": {"delay": "1h"}},
        name="JWT triggers",
    )
    ctx.request(
        "POST", "/api/v1/runs/{run}/replay", auth=f"bearer:{jwt}", name="JWT on a key-only route"
    )
    ctx.request(
        "POST",
        "/api/v1/runs/{run}/reschedule",
        auth=f"bearer:{jwt}",
        json={"delay": "2h"},
        name="JWT on a legacy route",
    )
    ctx.request(
        "GET",
        "/api/v3/runs/{run}",
        auth=f"bearer:{jwt[:-4]}AAAA",
        name="JWT with a bad signature",
    )
    ctx.request(
        "POST",
        "/api/v2/runs/{run}/cancel",
        auth=f"bearer:{jwt}",
        name="JWT without write scope cancels",
    )


SCENARIOS = [
    Scenario(
        name="auth_missing_header",
        group="auth",
        doc="No Authorization header: the middleware's problem+json 401, except whitelisted paths.",
        steps=[
            Req("GET", _RUNS, auth=None, name="builder loader"),
            Req(
                "POST",
                "/api/v1/tasks/hello/trigger",
                auth=None,
                json={"payload": None},
                name="builder action",
            ),
            Req("POST", "/api/v1/runs/run_x/tags", auth=None, json={"tags": "a"}, name="legacy"),
            Req("GET", "/api/v1/schedules", auth=None, name="schedules"),
            Req(
                "GET",
                "/api/v1/projects/{project_ref}/envvars/dev",
                auth=None,
                name="env vars",
            ),
            Req("GET", "/api/v1/runs", auth="raw:", name="empty header value"),
        ],
    ),
    Scenario(
        name="auth_bad_key",
        group="auth",
        doc="A well-formed key no server issued, and strings that are no key at all.",
        steps=[
            Req("GET", _RUNS, auth="bad", name="builder loader"),
            Req("GET", "/api/v3/runs/run_x", auth="bad", name="retrieve"),
            Req(
                "POST",
                "/api/v1/tasks/hello/trigger",
                auth="bad",
                json={"payload": None},
                name="builder action",
            ),
            Req("POST", "/api/v1/runs/run_x/tags", auth="bad", json={"tags": "a"}, name="tags"),
            Req(
                "POST",
                "/api/v1/runs/run_x/reschedule",
                auth="bad",
                json={"delay": "1h"},
                name="reschedule",
            ),
            Req("GET", "/api/v1/runs/run_x/metadata", auth="bad", name="metadata GET"),
            Req("GET", "/api/v1/runs/run_x/result", auth="bad", name="result"),
            Req("GET", _RUNS, auth="bearer:not-a-key", name="not a key"),
            Req("GET", _RUNS, auth="bearer:pk_dev_legacypublickey", name="legacy public key"),
        ],
    ),
    Scenario(
        name="auth_wrong_kind",
        group="auth",
        doc="A PAT where a secret key is needed (a key where a PAT is needed: runs_project_list).",
        steps=[
            Req("GET", _RUNS, auth="pat", name="PAT on a builder loader"),
            Req(
                "POST",
                "/api/v1/tasks/hello/trigger",
                auth="pat",
                json={"payload": None},
                name="PAT on a builder action",
            ),
            Req(
                "POST", "/api/v1/runs/run_x/tags", auth="pat", json={"tags": "a"}, name="PAT legacy"
            ),
        ],
    ),
    Scenario(
        name="auth_environments",
        group="auth",
        doc="Keys of each environment, the preview branch header, a bare key.",
        steps=[
            Req("GET", _RUNS, auth="stg", params={"filter[tag]": "{u}"}, name="staging key"),
            Req("GET", _RUNS, auth="prod", params={"filter[tag]": "{u}"}, name="prod key"),
            Req(
                "GET",
                _RUNS,
                auth="prod",
                headers={"x-trigger-branch": "b-{u}"},
                params={"filter[tag]": "{u}"},
                name="prod ignores the branch header",
            ),
            Req("GET", _RUNS, auth="preview", name="preview without a branch"),
            Req(
                "GET",
                _RUNS,
                auth="preview",
                headers={"x-trigger-branch": "b-{u}"},
                name="preview with an unknown branch",
            ),
            Req(
                "GET",
                _RUNS,
                auth="dev",
                headers={"x-trigger-branch": "default"},
                params={"filter[tag]": "{u}"},
                name="dev branch default is the root env",
            ),
            Req(
                "POST",
                "/api/v1/runs/run_x/tags",
                auth="preview",
                json={"tags": "a"},
                name="preview without a branch, legacy route",
            ),
            _raw_key,
        ],
    ),
    Scenario(
        name="auth_public_jwt",
        group="auth",
        doc="The JWT a trigger answers with: what it may read and where it is refused.",
        steps=[
            Req(
                "POST",
                "/api/v1/tasks/hello/trigger",
                json=lambda c: {"payload": None, "options": delayed("jwt")(c)},
                save={"run": "id"},
                save_headers={"jwt": "x-trigger-jwt"},
                name="trigger answers a JWT",
            ),
            trigger("other", options=delayed("jwt-other"), record=False),
            _jwt_steps,
        ],
    ),
    Scenario(
        name="auth_claims_public_tokens",
        group="auth-endpoints",
        doc="JWT claims and public access tokens (the SDK's `auth` calls).",
        steps=[
            Req("POST", "/api/v1/auth/jwt/claims", name="claims"),
            Req(
                "POST",
                "/api/v1/auth/jwt/claims",
                auth=None,
                name="claims without a key (whitelisted)",
            ),
            Req("POST", "/api/v1/auth/jwt/claims", auth="bad", name="claims with a bad key"),
            Req("POST", "/api/v1/auth/jwt/claims", auth="pat", name="claims with a PAT"),
            Req(
                "POST",
                "/api/v1/auth/public-tokens",
                json={"scopes": ["read:runs"]},
                save={"token": "token"},
                name="public token",
            ),
            Req(
                "GET",
                _RUNS,
                auth="bearer:{token}",
                params={"filter[tag]": "{u}"},
                name="the public token lists runs",
            ),
            Req(
                "POST",
                "/api/v1/auth/public-tokens",
                json={"scopes": ["read:runs"], "expirationTime": "1h"},
                name="with a relative expiration",
            ),
            Req("POST", "/api/v1/auth/public-tokens", json={"scopes": []}, name="no scopes"),
            Req(
                "POST",
                "/api/v1/auth/public-tokens",
                json={"scopes": ["read:runs"], "expirationTime": "soon"},
                name="bad expiration",
            ),
            Req(
                "POST",
                "/api/v1/auth/public-tokens",
                json={"scopes": ["read:runs"], "expirationTime": 1000},
                name="expiration in the past",
            ),
            Req(
                "POST",
                "/api/v1/auth/public-tokens",
                json={"scopes": ["read:runs"], "expirationTime": "60d"},
                name="expiration over 30 days",
            ),
            Req(
                "POST",
                "/api/v1/auth/public-tokens",
                json={"scopes": ["read"]},
                name="a scope without a type",
            ),
            Req(
                "POST",
                "/api/v1/auth/public-tokens",
                auth="pat",
                json={"scopes": ["read:runs"]},
                name="with a PAT",
            ),
        ],
    ),
    Scenario(
        name="auth_jwt_whoami",
        group="auth-endpoints",
        doc="Minting a JWT (`/api/v1/auth/jwt`) and whoami (v1 with a key, v2 with a PAT).",
        steps=[
            Req(
                "POST",
                "/api/v1/auth/jwt",
                json={"claims": {"scopes": ["read:runs"]}},
                save={"minted": "token"},
                name="mint",
            ),
            Req(
                "GET",
                _RUNS,
                auth="bearer:{minted}",
                params={"filter[tag]": "{u}"},
                name="minted lists",
            ),
            Req("POST", "/api/v1/auth/jwt", json={"claims": "x"}, name="mint bad body"),
            Req("POST", "/api/v1/auth/jwt", content="{", name="mint bad JSON"),
            Req("GET", "/api/v1/whoami", view=_keys_only, name="whoami v1 (field names only)"),
            Req("GET", "/api/v2/whoami", auth="pat", view=_keys_only, name="whoami v2"),
            Req("GET", "/api/v2/whoami", auth="dev", name="secret key on whoami v2"),
        ],
    ),
]
