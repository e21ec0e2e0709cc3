"""`construct_event`: check a delivery's signature exactly as the official SDK does, then parse.

Trigger.dev signs an alert webhook with the lower-case hex HMAC-SHA256 of the request body,
keyed by the webhook's secret (both as UTF-8), in ``x-trigger-signature-hmacsha256``.
Nothing else is signed: no timestamp, no id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import msgspec

from trigger.webhooks._errors import (
    InvalidSignatureError,
    MissingSignatureError,
    WebhookParseError,
)
from trigger.webhooks.events import Webhook

__all__ = ["SIGNATURE_HEADER_NAME", "construct_event"]

SIGNATURE_HEADER_NAME = "x-trigger-signature-hmacsha256"
"""The header carrying the signature (the official ``webhooks.SIGNATURE_HEADER_NAME``)."""

_DECODER = msgspec.json.Decoder(Webhook)
# Fetch's Headers strip these around a value; framework header mappings mostly do too.
_HTTP_WHITESPACE = " \t\r\n"


def _payload_bytes(payload: object) -> bytes:
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload)
    if isinstance(payload, str):
        try:
            return payload.encode("utf-8")
        except UnicodeEncodeError:
            # Lone surrogates: encoded as JavaScript's Buffer.from(text) does (U+FFFD each),
            # pairs written as two code points joined into one.
            joined = payload.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
            return joined.encode("utf-8")
    raise TypeError(
        f"payload must be the raw request body as bytes or str, not {type(payload).__name__}"
    )


def _secret_bytes(secret: object) -> bytes:
    # The message never shows the value: it is the webhook's secret.
    if isinstance(secret, str):
        if not secret:
            raise ValueError("secret must be a non-empty string")
        return secret.encode("utf-8")
    if isinstance(secret, (bytes, bytearray)):
        if not secret:
            raise ValueError("secret must not be empty")
        return bytes(secret)
    raise TypeError(f"secret must be a str, not {type(secret).__name__}")


def _header_text(value: object) -> str:
    if isinstance(value, (list, tuple)):
        raise InvalidSignatureError("Signature header cannot be an array")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    if not isinstance(value, str):
        raise TypeError(
            f"headers_or_signature[{SIGNATURE_HEADER_NAME!r}] must be a str, "
            f"not {type(value).__name__}"
        )
    return value


def _signature_from_headers(headers: Mapping[Any, Any]) -> str:
    found: list[object] = []
    for key, value in headers.items():
        name = key.decode("latin-1") if isinstance(key, (bytes, bytearray)) else key
        if isinstance(name, str) and name.lower() == SIGNATURE_HEADER_NAME:
            found.append(value)
    if len(found) > 1:  # a repeated header (a multi-dict), or names differing in case only
        raise InvalidSignatureError("Signature header cannot be an array")
    text = _header_text(found[0]).strip(_HTTP_WHITESPACE) if found else ""
    if not text:
        raise MissingSignatureError("No signature header found")
    return text


def _signature(headers_or_signature: object) -> str:
    if isinstance(headers_or_signature, str):
        return headers_or_signature  # the official {payload, header} form: used as given
    if isinstance(headers_or_signature, Mapping) or callable(
        getattr(headers_or_signature, "items", None)  # multi-dicts that are no Mapping
    ):
        return _signature_from_headers(headers_or_signature)  # type: ignore[arg-type]
    if isinstance(headers_or_signature, (list, tuple)):
        raise InvalidSignatureError("Signature header cannot be an array")
    raise TypeError(
        "headers_or_signature must be the request's headers (a mapping) or the signature "
        f"(a str), not {type(headers_or_signature).__name__}"
    )


def construct_event(
    payload: bytes | bytearray | memoryview | str,
    headers_or_signature: Mapping[str, str] | Mapping[bytes, bytes] | str,
    secret: str | bytes,
) -> Webhook:
    """Verify an alert webhook from Trigger.dev and return it as a typed event.

    The official ``webhooks.constructEvent``: the ``x-trigger-signature-hmacsha256`` header
    must be the lower-case hex HMAC-SHA256 of the body under ``secret``, compared in
    constant time; then the body is parsed as one of the `Webhook` events. No I/O.

    Pass the body exactly as it arrived (``await request.body()``, ``request.get_data()``):
    a body parsed and re-serialized by a framework has other bytes, and fails.

    Args:
        payload: The raw request body: bytes (verified exactly as received) or str (as
            UTF-8).
        headers_or_signature: The request's headers: any mapping, or any object whose
            ``items()`` gives name-value pairs (Starlette's and httpx's headers, werkzeug's
            multi-dicts), looked up case-insensitively; or the signature header's value.
        secret: The webhook's secret (from the alert's settings in the dashboard), as text
            (signed as UTF-8) or bytes.

    Returns:
        The event: `RunFailedWebhook`, `DeploymentSuccessWebhook`, `DeploymentFailedWebhook`
        or `ErrorWebhook`.

    Raises:
        MissingSignatureError: The headers have no (or an empty) signature header.
        InvalidSignatureError: The signature does not match (or the header is repeated).
        WebhookParseError: The signature matched but the body is not JSON of a known event
            (an unknown ``type`` included, as in the official SDK).
        TypeError: An argument of the wrong type; ``ValueError`` for an empty secret.
    """
    key = _secret_bytes(secret)
    body = _payload_bytes(payload)
    signature = _signature(headers_or_signature)
    expected = hmac.new(key, body, hashlib.sha256).hexdigest().encode("ascii")
    # Bytes on both sides: compare_digest refuses non-ASCII str, and a header can hold any.
    if not hmac.compare_digest(signature.encode("utf-8", "surrogatepass"), expected):
        raise InvalidSignatureError("Invalid signature")
    try:
        return _DECODER.decode(body)
    except msgspec.DecodeError as error:
        message = str(error)
    except RecursionError:
        message = "the JSON is nested too deeply"
    raise WebhookParseError(f"Webhook parsing failed: {message}")
