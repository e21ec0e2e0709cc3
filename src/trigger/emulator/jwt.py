"""HS256 public access tokens, signed and checked as the server does (SERVER.md §10)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["AUDIENCE", "ISSUER", "decode_unverified", "sign", "verify"]

ISSUER = "https://id.trigger.dev"
AUDIENCE = "https://api.trigger.dev"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(claims: Mapping[str, Any], key: str, *, now_s: int, lifetime_s: int) -> str:
    """A token carrying ``claims`` plus ``iss``, ``aud``, ``iat`` and ``exp``."""
    header = _b64(json.dumps({"alg": "HS256"}, separators=(",", ":")).encode())
    body = {**claims, "iat": now_s, "exp": now_s + lifetime_s, "iss": ISSUER, "aud": AUDIENCE}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(key.encode("utf-8"), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def decode_unverified(token: str) -> dict[str, Any] | None:
    """The claims of something shaped like a public token (``pub: true``), unchecked."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(claims, dict) or claims.get("pub") is not True:
        return None
    return claims


def verify(token: str, keys: Iterable[str], *, now_s: int) -> dict[str, Any] | None:
    """The claims when one of ``keys`` signed ``token`` and it is current, else ``None``."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = json.loads(_unb64(parts[0]))
        signature = _unb64(parts[2])
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        return None
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii", "replace")
    if not any(
        hmac.compare_digest(
            hmac.new(key.encode("utf-8"), signing_input, hashlib.sha256).digest(), signature
        )
        for key in keys
    ):
        return None
    claims = decode_unverified(token)
    if claims is None:
        return None
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and not isinstance(exp, bool) and exp <= now_s:
        return None
    if "iss" in claims and claims["iss"] != ISSUER:
        return None
    aud = claims.get("aud")
    if aud is not None and aud != AUDIENCE and not (isinstance(aud, list) and AUDIENCE in aud):
        return None
    return claims
