"""``POST /api/v1/auth/jwt`` and whoami v1/v2: the real server's answers (measured)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, jwt


@pytest.fixture
def http(trigger_emulator: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=trigger_emulator.url) as client:
        yield client


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_a_minted_jwt_carries_the_claims_and_works_with_the_sdk(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    key = trigger_emulator.secret_key
    minted = http.post(
        "/api/v1/auth/jwt",
        headers=_auth(key),
        json={"claims": {"scopes": ["read:runs"], "sub": "someone-else", "extra": 1}},
    )
    assert minted.status_code == 200
    token = minted.json()["token"]
    claims = jwt.verify(token, [key], now_s=trigger_emulator.clock.now_ms() // 1000)
    assert claims is not None
    assert {k: claims[k] for k in ("sub", "pub", "scopes")} == {
        "sub": trigger_emulator.environment_ids["dev"],
        "pub": True,
        "scopes": ["read:runs"],
    }
    assert "extra" not in claims
    assert claims["exp"] - claims["iat"] == 3600
    with trigger.Client(access_token=token, base_url=trigger_emulator.url) as client:
        assert list(client.runs.list(tag="none")) == []

    bare = http.post("/api/v1/auth/jwt", headers=_auth(key), json={}).json()["token"]
    bare_claims = jwt.decode_unverified(bare)
    assert bare_claims is not None and "scopes" not in bare_claims
    empty = http.post("/api/v1/auth/jwt", headers=_auth(key), json={"claims": {}}).json()
    empty_claims = jwt.decode_unverified(empty["token"])
    assert empty_claims is not None and empty_claims["scopes"] == []
    two_hours = http.post("/api/v1/auth/jwt", headers=_auth(key), json={"expirationTime": "2h"})
    two_claims = jwt.decode_unverified(two_hours.json()["token"])
    assert two_claims is not None and two_claims["exp"] - two_claims["iat"] == 7200
    fixed = http.post("/api/v1/auth/jwt", headers=_auth(key), json={"expirationTime": 1})
    fixed_claims = jwt.decode_unverified(fixed.json()["token"])
    assert fixed_claims is not None and fixed_claims["exp"] == 1


def test_mint_refusals(trigger_emulator: Emulator, http: httpx.Client) -> None:
    key = trigger_emulator.secret_key
    bad = http.post("/api/v1/auth/jwt", headers=_auth(key), json={"claims": "x"})
    assert (bad.status_code, bad.json()) == (
        400,
        {
            "error": "Invalid request body",
            "issues": [
                {
                    "code": "invalid_type",
                    "expected": "object",
                    "received": "string",
                    "path": ["claims"],
                    "message": "Expected object, received string",
                }
            ],
        },
    )
    for content in ("{", "", '{"expirationTime":"bogus"}'):
        broken = http.post("/api/v1/auth/jwt", headers=_auth(key), content=content)
        assert (broken.status_code, broken.json()) == (500, {"error": "Internal Server Error"})
    minted = http.post("/api/v1/auth/jwt", headers=_auth(key), json={}).json()["token"]
    for token in (trigger_emulator.personal_access_token, minted):
        refused = http.post("/api/v1/auth/jwt", headers=_auth(token), json={})
        assert (refused.status_code, refused.json()) == (
            401,
            {"error": "Invalid or Missing API key"},
        )
    get = http.get("/api/v1/auth/jwt", headers=_auth(key))
    assert (get.status_code, get.json()) == (400, {"message": "Unexpected Server Error"})


def test_whoami_v1_describes_the_keys_environment(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    dev = http.get("/api/v1/whoami", headers=_auth(trigger_emulator.secret_key)).json()
    assert list(dev)[:6] == ["id", "slug", "type", "apiKey", "organizationId", "projectId"]
    assert (dev["id"], dev["slug"], dev["type"]) == (
        trigger_emulator.environment_ids["dev"],
        "dev",
        "DEVELOPMENT",
    )
    assert dev["project"]["externalRef"] == trigger_emulator.project_ref
    assert dev["userId"] == dev["orgMember"]["userId"]
    assert dev["organization"]["id"] == dev["organizationId"] == dev["project"]["organizationId"]
    prod = http.get("/api/v1/whoami", headers=_auth(trigger_emulator.key_for("prod"))).json()
    assert (prod["type"], prod["orgMember"], prod["orgMemberId"]) == ("PRODUCTION", None, None)
    assert "userId" not in prod
    pat = http.get("/api/v1/whoami", headers=_auth(trigger_emulator.personal_access_token))
    assert (pat.status_code, pat.json()) == (401, {"error": "Invalid or Missing API key"})
    post = http.post("/api/v1/whoami", headers=_auth(trigger_emulator.secret_key))
    assert (post.status_code, post.json()) == (405, {"message": "Unexpected Server Error"})


def test_whoami_v2_answers_the_personal_access_token(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    pat = _auth(trigger_emulator.personal_access_token)
    me = http.get("/api/v2/whoami", headers=pat).json()
    assert list(me) == ["userId", "email", "dashboardUrl"]
    assert me["dashboardUrl"] == trigger_emulator.url
    with_project = http.get(
        "/api/v2/whoami", headers=pat, params={"projectRef": trigger_emulator.project_ref}
    ).json()
    assert set(with_project["project"]) == {"url", "name", "orgTitle"}
    other = http.get("/api/v2/whoami", headers=pat, params={"projectRef": "proj_other"}).json()
    assert "project" not in other
    key = http.get("/api/v2/whoami", headers=_auth(trigger_emulator.secret_key))
    assert (key.status_code, key.json()) == (401, {"error": "Invalid or Missing Access Token"})
    # The key in the body is the caller's own; nothing else of the project leaks into text.
    assert trigger_emulator.key_for("prod") not in json.dumps(me)
