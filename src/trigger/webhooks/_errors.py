"""Webhook exceptions: verification (`construct_event`) and refused waiter creations."""

from __future__ import annotations

from typing import Any, TypeVar

from trigger._exceptions import APIStatusError, TriggerError

_E = TypeVar("_E", bound="WebhookWaiterError")

__all__ = [
    "InvalidSignatureError",
    "MissingSignatureError",
    "WebhookEndpointNotFoundError",
    "WebhookError",
    "WebhookFilterError",
    "WebhookParseError",
    "WebhookWaiterError",
    "WebhookWaiterLimitError",
]


class WebhookError(TriggerError):
    """A webhook delivery failed verification or parsing (the official ``WebhookError``).

    Its messages are the official SDK's. It never holds the secret, the signature or the
    body; the subclasses say which step failed.
    """


class MissingSignatureError(WebhookError):
    """The headers have no ``x-trigger-signature-hmacsha256`` (or it is empty)."""


class InvalidSignatureError(WebhookError):
    """The signature does not match the body and secret (or the header holds several values).

    A wrong secret, a body changed on the way, or a body re-encoded by a framework before it
    reached `construct_event` (verify the raw bytes as received) all end here.
    """


class WebhookParseError(WebhookError):
    """The signature matched, but the body is not JSON of a known webhook event.

    An event type this SDK does not know (one added to Trigger.dev later) fails here too,
    as it does in the official SDK.
    """


class WebhookWaiterError(APIStatusError):
    """A waiter creation the API refused with a webhook ``code`` (nothing was created).

    An `APIStatusError` (``status``, ``body``, ``headers`` as answered) whose ``code`` is
    the body's: ``webhook_waiter_limit``, ``webhook_endpoint_not_found`` or
    ``webhook_filter_invalid``.
    """

    @classmethod
    def from_error(cls: type[_E], error: APIStatusError, **attributes: Any) -> _E:
        """The typed twin of ``error``: same message, response, body, request and attempts."""
        typed = cls(
            error.message,
            response=error.response,
            body=error.body,
            request=error.request,
            attempts=error.attempts,
        )
        typed.__dict__.update(attributes)
        code = error.body.get("code") if isinstance(error.body, dict) else None
        typed.code = code if isinstance(code, str) else error.code
        typed._body_from_content = getattr(error, "_body_from_content", False)
        return typed


class WebhookWaiterLimitError(WebhookWaiterError):
    """A waiter limit was reached (the official ``WebhookWaiterLimitError``).

    Attributes:
        reason: ``endpoint_limit``, ``environment_limit``, ``shape_limit`` (too many distinct
            sets of match paths on the endpoint) or ``timeout_too_long`` (over 90 days).
    """

    reason: str


class WebhookEndpointNotFoundError(WebhookWaiterError):
    """The endpoint is not in the environment's current deployment."""


class WebhookFilterError(WebhookWaiterError):
    """The waiter's ``filter`` does not parse on the server."""
