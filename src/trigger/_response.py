"""Raw responses: the parsed data together with the HTTP response (the `ApiPromise` equivalent).

``client.runs.with_raw_response.retrieve(run_id)`` returns an `APIResponse[Run]` instead of a
`Run`. The body is read eagerly, so `APIResponse` does no I/O and serves both clients; nothing
is decoded until `APIResponse.parse` is called.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

import msgspec

from trigger._exceptions import APIResponseValidationError

if TYPE_CHECKING:
    import httpx

__all__ = ["APIResponse"]

T = TypeVar("T")
P = ParamSpec("P")

_UNPARSED: Any = object()

# Set by the with_raw_response wrappers for the duration of one call, and read by the call's
# API request (requests that are steps of a larger call pass ``step=True`` and ignore it).
# A context variable rather than an argument keeps every method's signature written once.
_want_raw: contextvars.ContextVar[bool] = contextvars.ContextVar("trigger_want_raw", default=False)


def wants_raw() -> bool:
    """Whether the current call asked for the `APIResponse` instead of the parsed data."""
    return _want_raw.get()


class APIResponse(Generic[T]):
    """An HTTP response with its body read, and the means to decode it.

    Attributes:
        http_response: The underlying `httpx.Response`.
        retries_taken: How many retries the call needed (0 when the first attempt succeeded).
    """

    def __init__(
        self,
        http_response: httpx.Response,
        parser: Callable[[httpx.Response], T],
        retries_taken: int,
    ) -> None:
        self.http_response = http_response
        self.retries_taken = retries_taken
        self._parser = parser
        self._parsed: T = _UNPARSED

    @property
    def status_code(self) -> int:
        """The HTTP status code."""
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The response headers (case-insensitive)."""
        return self.http_response.headers

    @property
    def content(self) -> bytes:
        """The raw body."""
        return self.http_response.content

    @property
    def text(self) -> str:
        """The body decoded as text."""
        return self.http_response.text

    def json(self) -> Any:
        """The body as plain JSON values, without model decoding.

        Raises:
            APIResponseValidationError: The body is not JSON, or is nested too deeply to
                decode (about 1,000 levels).
        """
        try:
            return msgspec.json.decode(self.http_response.content)
        except msgspec.DecodeError as exc:
            raise APIResponseValidationError(
                f"The response body is not JSON: {exc}",
                response=self.http_response,
                attempts=self.retries_taken + 1,
            ) from exc
        except RecursionError:
            raise APIResponseValidationError(
                "The response body is JSON nested too deeply to decode.",
                response=self.http_response,
                attempts=self.retries_taken + 1,
            ) from None

    def parse(self) -> T:
        """Decode the body into the method's return type (once; later calls reuse it).

        Raises:
            APIResponseValidationError: The body does not match the expected model.
        """
        if self._parsed is _UNPARSED:
            try:
                self._parsed = self._parser(self.http_response)
            except (msgspec.ValidationError, msgspec.DecodeError) as exc:
                raise APIResponseValidationError(
                    f"The response body did not match the expected schema: {exc}",
                    response=self.http_response,
                    attempts=self.retries_taken + 1,
                ) from exc
            except RecursionError:
                # msgspec stops at Python's recursion limit (~1,000 levels of nesting).
                raise APIResponseValidationError(
                    "The response body is JSON nested too deeply to decode.",
                    response=self.http_response,
                    attempts=self.retries_taken + 1,
                ) from None
        return self._parsed

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] retries_taken={self.retries_taken}>"


def release_stream(response: httpx.Response) -> None:
    """Let go of a fully read response's stream.

    httpx ties each response and its stream in a reference cycle, which only the cyclic
    garbage collector frees; msgspec decoding allocates too little to trigger it, so large
    page bodies would pile up during a walk. The body is already in ``response.content``.
    """
    import httpx

    response.stream = httpx.ByteStream(b"")


def response_parser(
    parse: Callable[[bytes], T] | None, parse_response: Callable[[httpx.Response], T] | None
) -> Callable[[httpx.Response], T]:
    """One parser of whole responses from either a body parser or a response parser."""
    if parse_response is not None:
        if parse is not None:
            raise TypeError("pass parse or parse_response, not both")
        return parse_response
    if parse is None:
        raise TypeError("a parser is required")
    body_parser = parse
    return lambda response: body_parser(response.content)


def raw_response_wrapper(method: Callable[P, T]) -> Callable[P, APIResponse[T]]:
    """Wrap a sync client method so it returns the `APIResponse` instead of the parsed data."""

    @functools.wraps(method)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[T]:
        token = _want_raw.set(True)
        try:
            result: Any = method(*args, **kwargs)
        finally:
            _want_raw.reset(token)
        return _expect_raw(result)

    return wrapped


def async_raw_response_wrapper(
    method: Callable[P, Awaitable[T]],
) -> Callable[P, Awaitable[APIResponse[T]]]:
    """Wrap an async client method so it returns the `APIResponse` instead of the parsed data."""

    @functools.wraps(method)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[T]:
        token = _want_raw.set(True)
        try:
            result: Any = await method(*args, **kwargs)
        finally:
            _want_raw.reset(token)
        return _expect_raw(result)

    return wrapped


def _expect_raw(result: object) -> APIResponse[Any]:
    if not isinstance(result, APIResponse):  # pragma: no cover - a bug in a resource method
        raise TypeError("this method does not support with_raw_response")
    return result
