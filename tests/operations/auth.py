"""Operations of public access tokens: server minting (additional keys) and JWT claims."""

from __future__ import annotations

from tests.operations import Op

ADDITIONAL_KEY = "tr_dev_sk_0123456789abcdefghijklmn"
"""An additional secret key: it cannot sign tokens, so the API mints them."""

OPERATIONS = [
    Op(
        "POST",
        "/api/v1/auth/public-tokens",
        lambda c: c.auth.create_public_token(scopes=["read:runs:run_1234"]),
        {"token": "server-minted-token"},
        key=ADDITIONAL_KEY,
    ),
    Op(
        "POST",
        "/api/v1/auth/jwt/claims",
        lambda c: c.auth.create_public_token(scopes=["read:runs"]),
        {"sub": "env_1234", "pub": True},
    ),
]
