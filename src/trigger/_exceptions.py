"""Exceptions raised by the SDK.

```
TriggerError
 ├── MissingCredentialsError        no key given and none in the environment
 ├── PollTimeoutError               a poll() gave up waiting (also a TimeoutError)
 └── APIError (alias ApiError)      anything that went wrong talking to the API
      ├── APIConnectionError        no response: DNS, refused, reset, ...
      │    └── APITimeoutError      the request timed out
      ├── APIStatusError            the API answered with a non-2xx status
      │    ├── BadRequestError            400
      │    ├── AuthenticationError        401
      │    ├── PermissionDeniedError      403
      │    ├── NotFoundError              404
      │    ├── ConflictError              409
      │    ├── UnprocessableEntityError   422
      │    ├── RateLimitError             429
      │    └── InternalServerError        5xx
      └── APIResponseValidationError a 2xx body that does not decode into its model
```

No httpx or msgspec exception escapes a client call: each is wrapped in one of the
classes above, with the original kept as ``__cause__``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "MissingCredentialsError",
    "NotFoundError",
    "PermissionDeniedError",
    "PollTimeoutError",
    "RateLimitError",
    "TriggerError",
    "UnprocessableEntityError",
]


class TriggerError(Exception):
    """Base class of every exception this SDK raises on purpose."""


class MissingCredentialsError(TriggerError):
    """No API key was passed and none was found in the environment."""


class PollTimeoutError(TriggerError, TimeoutError):
    """A ``poll()`` (of a run or a bulk action) ran out of time before a final status."""

    def __init__(self, message: str, *, object_id: str, last_status: str | None) -> None:
        super().__init__(message)
        self.object_id = object_id
        """The run or bulk action that was being polled."""
        self.last_status = last_status
        """The status seen on the last poll."""

    @property
    def run_id(self) -> str:
        """The polled object's id (named for the common case, `runs.poll`)."""
        return self.object_id


class APIError(TriggerError):
    """A request to the Trigger.dev API failed.

    Attributes:
        message: A human-readable description, taken from the response body when there is one.
        status: The HTTP status code, or ``None`` when no response arrived.
        headers: The response headers (case-insensitive), empty when no response arrived.
        body: The response body, parsed as JSON when possible, else its text; ``None`` if absent.
        request: The `httpx.Request` that was sent.
    """

    status: int | None = None

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        body: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body
        self.headers: Mapping[str, str] = headers if headers is not None else {}


ApiError = APIError
"""Alias of `APIError`, spelled as in the official TypeScript SDK."""


class APIConnectionError(APIError):
    """The request never got a response (DNS failure, refused or dropped connection)."""

    def __init__(self, message: str = "Connection error.", *, request: httpx.Request) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """The request timed out."""

    def __init__(self, *, request: httpx.Request) -> None:
        super().__init__("Request timed out.", request=request)


class APIStatusError(APIError):
    """The API answered with a status code outside 2xx.

    Attributes:
        response: The `httpx.Response`, with its body already read.
        status: The HTTP status code.
        code: ``error.code`` when the body's ``error`` member is an object, else ``None``.
        param: ``error.param`` likewise.
        type: ``error.type`` likewise.
    """

    status: int

    def __init__(self, message: str, *, response: httpx.Response, body: object) -> None:
        super().__init__(message, request=response.request, body=body, headers=response.headers)
        self.response = response
        self.status = response.status_code
        error = body.get("error") if isinstance(body, dict) else None
        details: Mapping[str, Any] = error if isinstance(error, dict) else {}
        self.code: str | None = _str_or_none(details.get("code"))
        self.param: str | None = _str_or_none(details.get("param"))
        self.type: str | None = _str_or_none(details.get("type"))

    def __str__(self) -> str:
        # The status leads, whatever the body said: "404 Not found".
        prefix = f"{self.status} "
        return self.message if self.message.startswith(prefix) else prefix + self.message

    @property
    def status_code(self) -> int:
        """The HTTP status code (same as `status`)."""
        return self.status


class BadRequestError(APIStatusError):
    """400: the request was malformed or failed validation."""


class AuthenticationError(APIStatusError):
    """401: the key is missing, malformed or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not perform this operation."""


class NotFoundError(APIStatusError):
    """404: the resource does not exist (in this environment)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's current state."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well formed but could not be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests."""

    @property
    def retry_after(self) -> float | None:
        """Seconds until the rate limit resets, from the response headers, if given."""
        from trigger._retry import header_delay

        return header_delay(self.headers, now=time.time())


class InternalServerError(APIStatusError):
    """5xx: the API failed on its side."""


class APIResponseValidationError(APIError):
    """A successful response's body did not decode into the expected model.

    Attributes:
        status: The (successful) HTTP status code.
        raw_body: The raw bytes of the body.
        response: The `httpx.Response`.
    """

    def __init__(self, message: str, *, response: httpx.Response) -> None:
        super().__init__(
            message, request=response.request, body=parse_body(response), headers=response.headers
        )
        self.status = response.status_code
        self.response = response
        self.raw_body: bytes = response.content


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def parse_body(response: httpx.Response) -> object:
    """The response body as JSON when it parses, else its text, else ``None`` when empty."""
    import msgspec

    content = response.content
    if not content:
        return None
    try:
        return msgspec.json.decode(content)
    except msgspec.DecodeError:
        return response.text


def status_error(response: httpx.Response) -> APIStatusError:
    """Build the exception matching a non-2xx response (its body must already be read)."""
    body = parse_body(response)
    status = response.status_code
    cls = _STATUS_ERRORS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    return cls(_error_message(status, body, response.reason_phrase), response=response, body=body)


def _error_message(status: int, body: object, reason: str) -> str:
    # The official client's rules: body.error.message, else body.error as text or JSON; a
    # text body or no body reads "<status> ...".
    if isinstance(body, dict) and "error" in body:
        error = body["error"]
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
        import msgspec

        return msgspec.json.encode(error).decode()
    if isinstance(body, str):
        return f"{status} {body[:500]}"
    if body is None:
        return f"{status} status code (no body)"
    return f"{status} {reason}".rstrip()


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
