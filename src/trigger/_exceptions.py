"""Exceptions raised by the SDK.

```
TriggerError
 ├── MissingCredentialsError        no key given and none in the environment
 ├── PollTimeoutError               a poll() gave up waiting (also a TimeoutError)
 └── APIError (alias ApiError)      anything that went wrong talking to the API
      ├── APIConnectionError        no response: DNS, refused, reset, ...
      │    ├── APITimeoutError      the request timed out
      │    └── UnsendableRequestError  the request could not be written (never retried)
      ├── APIStatusError            the API answered with a non-2xx status
      │    ├── BadRequestError            400
      │    ├── AuthenticationError        401
      │    ├── PermissionDeniedError      403
      │    ├── NotFoundError              404
      │    ├── ConflictError              409
      │    ├── UnprocessableEntityError   422
      │    ├── RateLimitError             429
      │    └── InternalServerError        5xx
      ├── APIResponseValidationError a 2xx body that does not decode into its model
      └── ResponseTooLargeError      a body larger than the client's max_response_size
```

No httpx or msgspec exception escapes a client call: each is wrapped in one of the
classes above, with the original kept as ``__cause__`` (except where the original would
quote a credential: a request that could not be written has no cause).

Every exception is safe to log, pickle and send between processes: ``request`` is a copy
of the request without its body, with the ``Authorization`` header masked (and the query
string of a presigned URL), and pickling keeps plain data only (class, message, status,
headers, body, attempts).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

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
    "ResponseTooLargeError",
    "TriggerError",
    "UnprocessableEntityError",
    "UnsendableRequestError",
]

# Pickle state keys that are not attributes.
_CAUSE = "_trigger_cause"
_REPARSE_BODY = "_trigger_reparse_body"
# Set on requests made by `redact_request`, so that they are not redacted twice.
_REDACTED = "trigger_redacted"
_SECRET_HEADERS = frozenset({b"authorization", b"proxy-authorization", b"cookie"})


class TriggerError(Exception):
    """Base class of every exception this SDK raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # The default rebuilds with cls(*args), which fails for keyword-only constructors;
        # this restores the attributes instead, without calling __init__.
        return (_restore, (type(self), self.args, self._pickle_state()))

    def _pickle_state(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        # Pickle drops causes; an SDK cause (a BatchTriggerError's API error) is kept.
        if isinstance(self.__cause__, TriggerError):
            state[_CAUSE] = self.__cause__
        return state

    def _unpickle_state(self, state: dict[str, Any]) -> None:
        cause = state.pop(_CAUSE, None)
        self.__dict__.update(state)
        if cause is not None:
            self.__cause__ = cause


def _restore(cls: type[TriggerError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls, *args)
    error.args = args  # OSError subclasses (PollTimeoutError) leave them to __init__
    error._unpickle_state(state)
    return error


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


class _RequestState(NamedTuple):
    method: str
    url: str
    headers: list[tuple[bytes, bytes]]


class _ResponseState(NamedTuple):
    status: int
    headers: list[tuple[bytes, bytes]]
    content: bytes
    extensions: dict[str, bytes]


class _HeadersState(NamedTuple):
    items: list[tuple[bytes, bytes]]


class APIError(TriggerError):
    """A request to the Trigger.dev API failed.

    Attributes:
        message: A human-readable description, taken from the response body when there is one.
        status: The HTTP status code, or ``None`` when no response arrived.
        headers: The response headers (case-insensitive), empty when no response arrived.
        body: The response body, parsed as JSON when possible, else its text; ``None`` if absent.
        request: A copy of the request that was sent, without its body and with its
            credentials masked (``Authorization: Bearer ***``, and the query string of a
            presigned URL); ``None`` when no request could be built.
        attempts: How many attempts the call made before giving up.
    """

    status: int | None = None

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        body: object = None,
        headers: Mapping[str, str] | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = redact_request(request) if request is not None else None
        self.body = body
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.attempts = attempts
        # True when `body` was parsed from the response's content (pickling re-derives it).
        self._body_from_content = False

    def __repr__(self) -> str:
        attempts = f", attempts={self.attempts}" if self.attempts > 1 else ""
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r}{attempts})"

    def _pickle_state(self) -> dict[str, Any]:
        state = super()._pickle_state()
        request: httpx.Request | None = state.get("request")
        if request is not None:
            state["request"] = _RequestState(request.method, str(request.url), request.headers.raw)
        raw_headers = getattr(state.get("headers"), "raw", None)  # httpx.Headers
        if isinstance(raw_headers, list):
            state["headers"] = _HeadersState(raw_headers)
        response = state.get("response")
        if response is not None:
            extensions = {
                key: response.extensions[key]
                for key in ("http_version", "reason_phrase")
                if isinstance(response.extensions.get(key), bytes)
            }
            state["response"] = _ResponseState(
                response.status_code, response.headers.raw, response.content, extensions
            )
            if state.get("_body_from_content"):
                # Derived again from the content when unpickled: a deeply nested JSON body
                # would exceed pickle's recursion limit, its bytes never do.
                del state["body"]
                state[_REPARSE_BODY] = True
        return state

    def _unpickle_state(self, state: dict[str, Any]) -> None:
        import httpx

        request = state.get("request")
        if isinstance(request, _RequestState):
            state["request"] = httpx.Request(
                request.method,
                request.url,
                headers=request.headers,
                extensions={_REDACTED: True},
            )
        headers = state.get("headers")
        if isinstance(headers, _HeadersState):
            state["headers"] = httpx.Headers(headers.items)
        response = state.get("response")
        if isinstance(response, _ResponseState):
            state["response"] = _detached_response(
                response.status,
                response.headers,
                response.content,
                response.extensions,
                state.get("request"),
            )
        if state.pop(_REPARSE_BODY, False):
            state["body"] = parse_body(state["response"])
        super()._unpickle_state(state)


ApiError = APIError
"""Alias of `APIError`, spelled as in the official TypeScript SDK."""


class APIConnectionError(APIError):
    """The request never got a response (DNS failure, refused or dropped connection).

    The message names the host and port and the underlying error, e.g. ``Connection error:
    could not connect to api.example.com:443 (ConnectError: [Errno 111] Connection refused)
    after 5 attempts.``
    """

    def __init__(
        self,
        message: str = "Connection error.",
        *,
        request: httpx.Request | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message, request=request, attempts=attempts)


class APITimeoutError(APIConnectionError):
    """The request timed out (an attempt took longer than the client's ``timeout``)."""

    def __init__(
        self,
        message: str = "Request timed out.",
        *,
        request: httpx.Request | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message, request=request, attempts=attempts)


class UnsendableRequestError(APIConnectionError):
    """The request could not be written, so nothing was sent; it is never retried.

    For example a header value with a control character, a non-ASCII header value, or a
    URL httpx cannot send to. The message names the header, never its value (it may be a
    credential), and the exception has no ``__cause__``: the underlying error quotes it.
    """


class APIStatusError(APIError):
    """The API answered with a status code outside 2xx.

    Attributes:
        response: A copy of the `httpx.Response`, with its body, whose ``request`` is the
            masked copy in `request`.
        status: The HTTP status code.
        code: ``error.code`` when the body's ``error`` member is an object, else ``None``.
        param: ``error.param`` likewise.
        type: ``error.type`` likewise.
    """

    status: int

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object,
        request: httpx.Request | None = None,
        attempts: int = 1,
    ) -> None:
        sent = request if request is not None else _request_of(response)
        super().__init__(
            message, request=sent, body=body, headers=response.headers, attempts=attempts
        )
        self.response = _detached_response(
            response.status_code,
            response.headers.raw,
            response.content,
            response.extensions,
            self.request,
        )
        self.status = response.status_code
        error = body.get("error") if isinstance(body, dict) else None
        details: Mapping[str, Any] = error if isinstance(error, dict) else {}
        self.code: str | None = _str_or_none(details.get("code"))
        self.param: str | None = _str_or_none(details.get("param"))
        self.type: str | None = _str_or_none(details.get("type"))

    def __str__(self) -> str:
        # The status leads, whatever the body said: "404 Not found".
        prefix = f"{self.status} "
        text = self.message if self.message.startswith(prefix) else prefix + self.message
        return text + _after(self.attempts, " ({})")

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
        """Seconds until the rate limit resets, from the response headers, if given.

        Always a finite number of seconds, at least 0, or ``None`` when the headers say
        nothing readable.
        """
        from trigger._retry import header_delay

        delay = header_delay(self.headers, now=time.time())
        if delay is None or not math.isfinite(delay):
            return None
        return max(0.0, delay)


class InternalServerError(APIStatusError):
    """5xx: the API failed on its side."""


class APIResponseValidationError(APIError):
    """A successful response's body did not decode into the expected model.

    Attributes:
        status: The (successful) HTTP status code.
        raw_body: The raw bytes of the body.
        response: A copy of the `httpx.Response` (its ``request`` masked like `request`).
    """

    def __init__(self, message: str, *, response: httpx.Response, attempts: int = 1) -> None:
        super().__init__(
            message,
            request=_request_of(response),
            body=parse_body(response),
            headers=response.headers,
            attempts=attempts,
        )
        self._body_from_content = True
        self.status = response.status_code
        self.response = _detached_response(
            response.status_code,
            response.headers.raw,
            response.content,
            response.extensions,
            self.request,
        )
        self.raw_body: bytes = response.content


class ResponseTooLargeError(APIError):
    """A response body was larger than the client's ``max_response_size``.

    The body is counted after decoding (a small gzip body can expand enormously) and
    reading stops as soon as the count passes the limit, so memory stays bounded. Not
    retried: the same request would get the same body.

    Attributes:
        limit: The ``max_response_size`` in bytes that was exceeded.
        status: The status code of the oversized response.
        headers: Its headers.
    """

    def __init__(
        self,
        *,
        limit: int,
        status: int,
        headers: Mapping[str, str] | None = None,
        request: httpx.Request | None = None,
        attempts: int = 1,
    ) -> None:
        message = (
            f"The response body (status {status}) is larger than max_response_size "
            f"({limit:,} bytes, counted after decoding). To accept it, pass a larger "
            "max_response_size= to the client, to with_options() or to trigger.configure()."
        )
        super().__init__(message, request=request, headers=headers, attempts=attempts)
        self.limit = limit
        self.status = status


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
    """The response body as JSON when it parses, else its text, else ``None`` when empty.

    JSON nested too deeply to decode (msgspec's limit is Python's recursion limit, about
    1,000 levels) is kept as text.
    """
    import msgspec

    content = response.content
    if not content:
        return None
    try:
        return msgspec.json.decode(content)
    except (msgspec.DecodeError, RecursionError):
        return response.text


def status_error(
    response: httpx.Response, *, attempts: int = 1, request: httpx.Request | None = None
) -> APIStatusError:
    """Build the exception matching a non-2xx response (its body must already be read).

    Args:
        response: The response.
        attempts: How many attempts the call made.
        request: The request to report (already masked), instead of ``response.request``.
    """
    body = parse_body(response)
    status = response.status_code
    cls = _STATUS_ERRORS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    error = cls(
        _error_message(status, body, response.reason_phrase),
        response=response,
        body=body,
        request=request,
        attempts=attempts,
    )
    error._body_from_content = True
    return error


def redact_request(request: httpx.Request, *, mask_query: bool = False) -> httpx.Request:
    """A copy of ``request`` that is safe to keep in an exception, log or pickle.

    Same method, URL and headers, but no body; ``Authorization`` becomes ``Bearer ***``,
    ``Proxy-Authorization`` and ``Cookie`` become ``***``, a ``/callback/<hash>`` segment is
    masked, and with ``mask_query`` (presigned URLs, whose query is their signature) the
    query string becomes ``***``.
    """
    if request.extensions.get(_REDACTED):
        return request
    import httpx

    url = request.url
    if "/callback/" in url.path:
        from trigger._logging import mask_path  # only on error paths: keep imports light

        url = url.copy_with(path=mask_path(url.path))
    if mask_query and url.query:
        url = url.copy_with(query=b"***")
    headers = [
        (name, _masked_value(value) if name.lower() in _SECRET_HEADERS else value)
        for name, value in request.headers.raw
    ]
    return httpx.Request(request.method, url, headers=headers, extensions={_REDACTED: True})


def _masked_value(value: bytes) -> bytes:
    return b"Bearer ***" if value[:7].lower() == b"bearer " else b"***"


def connection_error(
    exc: httpx.RequestError,
    request: httpx.Request,
    *,
    attempts: int,
    secret: str | None = None,
) -> APIConnectionError:
    """The SDK exception for a request that got no response.

    The message names the host and port tried, the httpx error class and its text (with
    ``secret`` and anything credential-like masked), and the number of attempts.

    Args:
        exc: The httpx error.
        request: The request, already masked.
        attempts: How many attempts the call made.
        secret: The API key, masked should it appear in the error's text.
    """
    import httpx

    where = _host_port(request)
    reason = _reason(exc, secret)
    after = _after(attempts, " {}")
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"Request to {where} timed out ({reason}){after}.", request=request, attempts=attempts
        )
    if isinstance(exc, httpx.ConnectError):
        text = f"Connection error: could not connect to {where} ({reason}){after}."
    elif isinstance(exc, httpx.TransportError):
        text = f"Connection error: the connection to {where} failed ({reason}){after}."
    else:
        # Undecodable bodies, redirect loops...: a response came, but nothing usable.
        text = f"Request to {where} failed ({reason}){after}."
    return APIConnectionError(text, request=request, attempts=attempts)


# What h11 (httpx's HTTP/1.1) accepts in header names and values: a token; anything but
# NUL and whitespace, with inner spaces and tabs.
_HEADER_NAME = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_HEADER_VALUE = re.compile(rb"(?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?")


def unsendable_error(
    exc: Exception,
    request: httpx.Request | None,
    headers: Mapping[str, str],
    *,
    attempts: int,
    mask_query: bool = False,
) -> UnsendableRequestError:
    """The SDK exception for a request that could not be built or written.

    The message says what was wrong and names the header at fault, but never quotes a
    header value or the URL (either may be a credential).

    Args:
        exc: The error of httpx or h11 (``LocalProtocolError``, ``UnsupportedProtocol``,
            ``InvalidURL``) or the ``UnicodeEncodeError`` of a non-ASCII header value.
        request: The request, or ``None`` when it could not be built.
        headers: The headers the request was built from.
        attempts: How many attempts the call made.
        mask_query: Mask the query string of the reported request (a presigned URL).
    """
    import httpx

    if isinstance(exc, UnicodeEncodeError):
        names = [name for name, value in headers.items() if not value.isascii()]
        detail = (
            f"the value of header {names[0]!r} is not ASCII"
            if names
            else "a header value is not ASCII"
        )
    elif isinstance(exc, httpx.UnsupportedProtocol):
        scheme = request.url.scheme if request is not None else ""
        detail = f"the URL scheme {scheme!r} is not supported" if scheme else "no URL scheme"
    elif isinstance(exc, httpx.InvalidURL):
        detail = "the URL is not valid"
    else:
        detail = _invalid_header(request) or "the request is not valid HTTP"
    return UnsendableRequestError(
        f"The request could not be sent ({type(exc).__name__}: {detail}); nothing was sent "
        "and it was not retried.",
        request=None
        if request is None
        else _without_invalid_values(redact_request(request, mask_query=mask_query)),
        attempts=attempts,
    )


def _without_invalid_values(request: httpx.Request) -> httpx.Request:
    """``request`` with the header values that broke it masked: the message never quotes
    them, and the kept request must not either (a key with a stray NUL is still a key)."""
    import httpx

    headers = [
        (name, value if _HEADER_VALUE.fullmatch(value) else b"***")
        for name, value in request.headers.raw
    ]
    return httpx.Request(
        request.method, request.url, headers=headers, extensions=dict(request.extensions)
    )


def _invalid_header(request: httpx.Request | None) -> str | None:
    if request is None:
        return None
    for name, value in request.headers.raw:
        if not _HEADER_NAME.fullmatch(name):
            return "a header name is not a valid HTTP token"
        if not _HEADER_VALUE.fullmatch(value):
            readable = name.decode("latin-1").lower()
            return (
                f"the value of header {readable!r} is not valid in HTTP (a NUL, CR or LF, or "
                "leading or trailing whitespace)"
            )
    return None


def _host_port(request: httpx.Request) -> str:
    url = request.url
    port = url.port or (443 if url.scheme == "https" else 80)
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{host}:{port}"


def _reason(exc: BaseException, secret: str | None) -> str:
    text = str(exc)
    if secret and secret in text:
        text = text.replace(secret, "***")
    from trigger._logging import mask_text

    text = mask_text(text)
    if len(text) > 200:
        text = text[:200] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _after(attempts: int, template: str) -> str:
    return template.format(f"after {attempts} attempts") if attempts > 1 else ""


def _request_of(response: httpx.Response) -> httpx.Request | None:
    try:
        return response.request
    except RuntimeError:  # a response built by hand, without its request
        return None


def _detached_response(
    status: int,
    headers: list[tuple[bytes, bytes]],
    content: bytes,
    extensions: Mapping[str, Any],
    request: httpx.Request | None,
) -> httpx.Response:
    """A read response with the given parts, tied to no connection and no secret."""
    import httpx

    copy = httpx.Response(
        status,
        content=content,
        request=request,
        extensions={
            key: extensions[key]
            for key in ("http_version", "reason_phrase")
            if isinstance(extensions.get(key), bytes)
        },
    )
    # Set after construction: given to the constructor, a Content-Encoding header would
    # make httpx decode the (already decoded) content again.
    copy.headers = httpx.Headers(headers)
    return copy


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

        try:
            return msgspec.json.encode(error).decode()
        except RecursionError:
            return f"{status} {reason}".rstrip()
    if isinstance(body, str):
        return f"{status} {body[:500]}"
    if body is None:
        return f"{status} status code (no body)"
    return f"{status} {reason}".rstrip()


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
