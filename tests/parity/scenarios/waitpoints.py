"""Waitpoint tokens: create, list, retrieve, complete, the callback URL, errors."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.parity.framework import Ctx, Req, Scenario

_TOKENS = "/api/v1/waitpoints/tokens"


def _callback(ctx: Ctx) -> None:
    path = urlsplit(ctx.vars["url"]).path
    ctx.vars["callback"] = path
    ctx.request(
        "POST", path, auth=None, json={"via": "callback"}, name="complete through the callback URL"
    )
    ctx.request("POST", path, auth=None, json={"again": True}, name="callback again")
    ctx.request("POST", path[:-4] + "0000", auth=None, json={}, name="callback with a wrong hash")
    ctx.request("GET", path, auth=None, name="GET the callback URL")
    ctx.request(
        "POST",
        path,
        auth=None,
        content="not json",
        headers={"content-type": "application/json"},
        name="callback with a body that is not JSON",
    )


def _complete_with_jwt(ctx: Ctx) -> None:
    ctx.request(
        "POST",
        _TOKENS + "/{jwt_token}/complete",
        auth=f"bearer:{ctx.vars['jwt']}",
        json={"data": {"by": "jwt"}},
        name="complete with the token's JWT",
    )


SCENARIOS = [
    Scenario(
        name="waitpoints_lifecycle",
        group="waitpoints",
        doc="Create tokens, read them, complete them with a key, a JWT and the callback URL.",
        steps=[
            Req(
                "POST",
                _TOKENS,
                json=lambda c: {"tags": [c.name("wp")], "timeout": "1h"},
                save={"token": "id", "url": "url"},
                name="create",
            ),
            Req("GET", _TOKENS + "/{token}", name="retrieve waiting"),
            Req("POST", _TOKENS + "/{token}/complete", json={"data": {"ok": 1}}, name="complete"),
            Req("GET", _TOKENS + "/{token}", name="retrieve completed"),
            Req(
                "POST",
                _TOKENS + "/{token}/complete",
                json={"data": {"ok": 2}},
                name="complete again",
            ),
            Req(
                "POST",
                _TOKENS,
                json=lambda c: {"tags": c.name("wp"), "idempotencyKey": c.name("wk")},
                save={"cb_token": "id", "url": "url"},
                name="create with a key",
            ),
            Req(
                "POST",
                _TOKENS,
                json=lambda c: {"tags": c.name("wp"), "idempotencyKey": c.name("wk")},
                name="same key is cached",
            ),
            _callback,
            Req("GET", _TOKENS + "/{cb_token}", name="completed through the callback"),
            Req(
                "POST",
                _TOKENS,
                json=lambda c: {"tags": [c.name("wp")]},
                save={"jwt_token": "id"},
                save_headers={"jwt": "x-trigger-jwt"},
                name="create for a JWT",
            ),
            _complete_with_jwt,
            Req("GET", _TOKENS, params={"filter[tags]": "wp-{u}"}, name="list by tag"),
            Req(
                "GET",
                _TOKENS,
                params={"filter[tags]": "wp-{u}", "filter[status]": "COMPLETED", "page[size]": "2"},
                name="completed, two per page",
            ),
            Req("GET", _TOKENS, params={"filter[idempotencyKey]": "wk-{u}"}, name="by key"),
            Req(
                "POST",
                _TOKENS,
                json=lambda c: {"tags": [c.name("wp2")], "timeout": "1s"},
                save={"short": "id"},
                name="create with a 1 s timeout",
            ),
            Req(
                "GET",
                _TOKENS + "/{short}",
                until=lambda b: b["status"] != "WAITING",
                name="timed out",
            ),
        ],
    ),
    Scenario(
        name="waitpoints_errors",
        group="waitpoints",
        doc="Bad statuses, unknown tokens, too many tags, JWTs where only keys go.",
        steps=[
            Req("GET", _TOKENS, params={"filter[status]": "DONE"}, name="bad status filter"),
            Req("GET", _TOKENS, params={"page[size]": "101"}, name="page size 101"),
            Req("GET", _TOKENS + "/waitpoint_doesnotexist0000000000", name="retrieve unknown"),
            Req(
                "POST",
                _TOKENS + "/waitpoint_doesnotexist0000000000/complete",
                json={"data": 1},
                name="complete unknown",
            ),
            Req(
                "POST",
                _TOKENS + "/waitpoint_doesnotexist0000000000/callback/" + "0" * 64,
                auth=None,
                json={},
                name="callback of an unknown token",
            ),
            Req("POST", _TOKENS, json={"tags": [f"t{i}" for i in range(11)]}, name="eleven tags"),
            Req("POST", _TOKENS, json={"timeout": "soon"}, name="bad timeout"),
            Req("POST", _TOKENS, content=b"", name="empty body"),
            Req(
                "POST",
                _TOKENS,
                json={},
                save={"t": "id"},
                save_headers={"jwt": "x-trigger-jwt"},
                name="create with an empty body",
            ),
            Req("GET", _TOKENS + "/{t}", auth="bearer:{jwt}", name="retrieve with a JWT"),
            Req("GET", _TOKENS, auth="pat", name="PAT"),
        ],
    ),
]
