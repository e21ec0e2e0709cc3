"""`AsyncClient`: configuration, the resource namespaces, and the one request pipeline."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Container, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlencode

import httpx

from trigger import _attempt, _retry
from trigger._async.pagination import AsyncCursorPage, AsyncOffsetPage
from trigger._config import (
    ClientConfig,
    as_httpx_timeout,
    check_extra_headers,
    check_timeout,
    loggable_path,
    make_config,
    request_idempotency_key,
)
from trigger._constants import (
    ACCEPT_ENCODING,
    DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_TIMEOUT,
    IDEMPOTENCY_HEADER,
)
from trigger._exceptions import (
    APIError,
    ResponseTooLargeError,
    connection_error,
    redact_request,
    status_error,
    unsendable_error,
)
from trigger._models import ENCODER, decoder
from trigger._paginator import AsyncPaginator, async_first_page
from trigger._paging import PageSpec
from trigger._response import APIResponse, release_stream, response_parser, wants_raw
from trigger._retry import RetryOptions
from trigger._types import NOT_GIVEN, RequestOptions, TimeoutTypes

if TYPE_CHECKING:
    from trigger._async.resources.auth import AsyncAuth
    from trigger._async.resources.batch import AsyncBatch
    from trigger._async.resources.concurrency_limits import AsyncConcurrencyLimits
    from trigger._async.resources.deployments import AsyncDeployments
    from trigger._async.resources.envvars import AsyncEnvVars
    from trigger._async.resources.errors import AsyncErrors
    from trigger._async.resources.idempotency_keys import AsyncIdempotencyKeys
    from trigger._async.resources.packets import AsyncPackets
    from trigger._async.resources.prompts import AsyncPrompts
    from trigger._async.resources.query import AsyncQuery
    from trigger._async.resources.queues import AsyncQueues
    from trigger._async.resources.runs import AsyncRuns
    from trigger._async.resources.schedules import AsyncSchedules
    from trigger._async.resources.sessions import AsyncSessions
    from trigger._async.resources.streams import AsyncStreams
    from trigger._async.resources.tasks import AsyncTasks
    from trigger._async.resources.wait import AsyncWait
    from trigger._async.resources.webhooks import AsyncWebhooks

__all__ = ["AsyncClient"]

T = TypeVar("T")

logger = logging.getLogger("trigger")

_NO_BODY: Any = object()

# Requests that cannot be built or written (a header value httpx or h11 refuses, a URL it
# cannot send to): retrying cannot help, and their messages quote the offending value.
_UNSENDABLE = (
    UnicodeEncodeError,
    httpx.InvalidURL,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
)


class AsyncClient:
    """Client of the Trigger.dev management API.

    Every argument is optional: the key falls back to ``TRIGGER_SECRET_KEY``, then
    ``TRIGGER_ACCESS_TOKEN``; the base URL to ``TRIGGER_API_URL``, then
    ``https://api.trigger.dev``; the branch to ``TRIGGER_PREVIEW_BRANCH``.

    Args:
        secret_key: A secret key (``tr_dev_…``, ``tr_prod_…``) or personal access token
            (``tr_pat_…``).
        access_token: The same as ``secret_key`` (the official SDK's current name for it).
        base_url: The API origin, for self-hosted instances or a local emulator.
        preview_branch: The preview (or dev) branch to target, sent as ``x-trigger-branch``.
        timeout: Seconds per attempt, an `httpx.Timeout` for httpx's per-phase limits only,
            or ``None`` for no timeout. Under an event loop, seconds bound the whole attempt
            (connecting, sending, the response headers and body); in blocking code the body
            as a whole is bounded, checked between chunks, while connecting and the headers
            keep httpx's per-phase limits (see docs/guides/timeouts-and-limits.md).
        retry: The retry policy for every call (see `RetryOptions`).
        default_headers: Extra headers for every request; they cannot replace the SDK's own.
        http_client: An `httpx.AsyncClient` of your own (proxies, mTLS, transports). You keep
            ownership: closing this client does not close it.
        max_response_size: The largest response body read, in bytes after decoding (64 MiB
            by default); a larger one raises `ResponseTooLargeError`.
    """

    def __init__(
        self,
        secret_key: str | None = None,
        *,
        access_token: str | None = None,
        base_url: str | None = None,
        preview_branch: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        retry: RetryOptions | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError(
                f"http_client must be an httpx.AsyncClient, not {type(http_client).__name__}"
            )
        self._config = make_config(
            secret_key=secret_key,
            access_token=access_token,
            base_url=base_url,
            preview_branch=preview_branch,
            timeout=timeout,
            retry=retry,
            default_headers=default_headers,
            max_response_size=max_response_size,
        )
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()

    @classmethod
    def _from_config(cls, config: ClientConfig, http: httpx.AsyncClient) -> AsyncClient:
        client = cls.__new__(cls)
        client._config = config
        client._http = http
        client._owns_http = False
        return client

    def with_options(
        self,
        *,
        secret_key: str | None = None,
        base_url: str | None = None,
        preview_branch: str | None = None,
        timeout: TimeoutTypes = NOT_GIVEN,
        retry: RetryOptions | None = None,
        default_headers: Mapping[str, str] | None = None,
        max_response_size: int | None = None,
    ) -> AsyncClient:
        """A copy of this client with some settings replaced, sharing its connection pool.

        Args:
            secret_key: Another key for the copy.
            base_url: Another API origin.
            preview_branch: Another branch.
            timeout: Another timeout.
            retry: Another retry policy.
            default_headers: Headers merged over this client's extra headers.
            max_response_size: Another cap on response bodies, in bytes.
        """
        config = self._config
        merged_headers = {**config.default_headers, **(default_headers or {})}
        overrides = make_config(
            secret_key=secret_key if secret_key is not None else config.api_key,
            access_token=None,
            base_url=base_url if base_url is not None else config.base_url,
            preview_branch=preview_branch if preview_branch is not None else config.preview_branch,
            timeout=config.timeout if timeout is NOT_GIVEN else check_timeout("timeout", timeout),
            retry=retry if retry is not None else config.retry,
            default_headers=merged_headers,
            max_response_size=(
                config.max_response_size if max_response_size is None else max_response_size
            ),
        )
        return type(self)._from_config(overrides, self._http)

    @property
    def base_url(self) -> str:
        """The API origin requests go to."""
        return self._config.base_url

    @property
    def retry(self) -> RetryOptions:
        """The client's retry policy."""
        return self._config.retry

    @cached_property
    def runs(self) -> AsyncRuns:
        """Runs: list, retrieve, replay, cancel, reschedule, metadata, tags, events, poll."""
        from trigger._async.resources.runs import AsyncRuns

        return AsyncRuns(self)

    @cached_property
    def tasks(self) -> AsyncTasks:
        """Tasks: trigger one run, batch-trigger many."""
        from trigger._async.resources.tasks import AsyncTasks

        return AsyncTasks(self)

    @cached_property
    def batch(self) -> AsyncBatch:
        """Batches: two-phase batch trigger, item streams, retrieve, results."""
        from trigger._async.resources.batch import AsyncBatch

        return AsyncBatch(self)

    @cached_property
    def idempotency_keys(self) -> AsyncIdempotencyKeys:
        """Idempotency keys: derive them as the official SDK does, reset them."""
        from trigger._async.resources.idempotency_keys import AsyncIdempotencyKeys

        return AsyncIdempotencyKeys(self)

    @cached_property
    def auth(self) -> AsyncAuth:
        """Public access tokens for browsers and other untrusted callers."""
        from trigger._async.resources.auth import AsyncAuth

        return AsyncAuth(self)

    @cached_property
    def packets(self) -> AsyncPackets:
        """Payload packets: presigned URLs for offloaded payloads and outputs."""
        from trigger._async.resources.packets import AsyncPackets

        return AsyncPackets(self)

    @cached_property
    def errors(self) -> AsyncErrors:
        """Error groups: list, retrieve, resolve, ignore, unresolve."""
        from trigger._async.resources.errors import AsyncErrors

        return AsyncErrors(self)

    @cached_property
    def queues(self) -> AsyncQueues:
        """Queues: list, retrieve, pause, resume, concurrency overrides."""
        from trigger._async.resources.queues import AsyncQueues

        return AsyncQueues(self)

    @cached_property
    def concurrency_limits(self) -> AsyncConcurrencyLimits:
        """Named concurrency limits: list, retrieve, override, reset, pause, resume."""
        from trigger._async.resources.concurrency_limits import AsyncConcurrencyLimits

        return AsyncConcurrencyLimits(self)

    @cached_property
    def schedules(self) -> AsyncSchedules:
        """Schedules: create, list, retrieve, update, delete, (de)activate, timezones."""
        from trigger._async.resources.schedules import AsyncSchedules

        return AsyncSchedules(self)

    @cached_property
    def envvars(self) -> AsyncEnvVars:
        """Environment variables of a project environment."""
        from trigger._async.resources.envvars import AsyncEnvVars

        return AsyncEnvVars(self)

    @cached_property
    def deployments(self) -> AsyncDeployments:
        """Deployments: list, retrieve, current, latest, promote."""
        from trigger._async.resources.deployments import AsyncDeployments

        return AsyncDeployments(self)

    @cached_property
    def wait(self) -> AsyncWait:
        """Waitpoint tokens: create, list, retrieve, complete."""
        from trigger._async.resources.wait import AsyncWait

        return AsyncWait(self)

    @cached_property
    def sessions(self) -> AsyncSessions:
        """Sessions and their input/output channels."""
        from trigger._async.resources.sessions import AsyncSessions

        return AsyncSessions(self)

    @cached_property
    def query(self) -> AsyncQuery:
        """Query: run TRQL queries, read the schema, manage dashboards."""
        from trigger._async.resources.query import AsyncQuery

        return AsyncQuery(self)

    @cached_property
    def prompts(self) -> AsyncPrompts:
        """Managed prompts: list, resolve, versions, promote, overrides."""
        from trigger._async.resources.prompts import AsyncPrompts

        return AsyncPrompts(self)

    @cached_property
    def webhooks(self) -> AsyncWebhooks:
        """Webhooks: endpoints, their deliveries, and waiters."""
        from trigger._async.resources.webhooks import AsyncWebhooks

        return AsyncWebhooks(self)

    @cached_property
    def streams(self) -> AsyncStreams:
        """Realtime streams of runs: read them live, append, send to input streams."""
        from trigger._async.resources.streams import AsyncStreams

        return AsyncStreams(self)

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in as ``http_client``)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        # getattr: a client whose __init__ raised has no configuration.
        config: ClientConfig | None = getattr(self, "_config", None)
        if config is None:
            return f"<{type(self).__name__} (not configured)>"
        return f"<{type(self).__name__} base_url={config.base_url!r} key={config.describe_key()}>"

    # -- the request pipeline ---------------------------------------------------------------

    def _request_headers(
        self,
        options: RequestOptions | None,
        *,
        content_type: str | None,
        authenticated: bool,
        idempotency_header: bool,
        shape: bool = False,
    ) -> dict[str, str]:
        config = self._config
        if authenticated:
            config.require_key()
            headers = dict(config.shape_headers if shape else config.base_headers)
        else:
            # Public endpoints (timezones, waitpoint callbacks) get neither the key nor the
            # SDK's version headers, as from the official client.
            headers = dict(config.public_headers)
        if options:
            extra = check_extra_headers("extra_headers", options.get("extra_headers"))
            # Lower-cased like ours, so a caller's header replaces, never doubles, one of them.
            headers.update({key.lower(): value for key, value in extra.items()})
        if content_type is not None:
            headers["content-type"] = content_type
        if idempotency_header:
            headers[IDEMPOTENCY_HEADER] = request_idempotency_key(options)
        return headers

    def _new_request(
        self,
        method: str,
        url: str,
        content: bytes | AsyncIterator[bytes] | None,
        headers: dict[str, str],
        timeout: httpx.Timeout,
    ) -> httpx.Request:
        http = self._http
        if http.cookies or http.params:
            return http.build_request(
                method,
                url,
                content=content,
                headers={**headers, "accept-encoding": ACCEPT_ENCODING},
                timeout=timeout,
            )
        # The same request build_request makes (the client's default headers under ours),
        # without its URL and cookie merging: measurably cheaper on every call. Every request
        # asks only for the codings the pipeline decodes in bounded steps (see _attempt.py);
        # httpx would also offer br and zstd when their packages are installed.
        return httpx.Request(
            method,
            url,
            content=content,
            headers={**http.headers, **headers, "accept-encoding": ACCEPT_ENCODING},
            extensions={"timeout": timeout.as_dict()},
        )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        parse: Callable[[bytes], T] | None = None,
        parse_response: Callable[[httpx.Response], T] | None = None,
        query: Mapping[str, str] | None = None,
        body: object = _NO_BODY,
        content: bytes | Callable[[], AsyncIterator[bytes]] | None = None,
        content_type: str | None = None,
        options: RequestOptions | None = None,
        authenticated: bool = True,
        idempotency_header: bool = True,
        retry: RetryOptions | None = None,
        retry_result: Callable[[T], bool] | None = None,
        external: bool = False,
        step: bool = False,
        final_statuses: Container[int] = (),
        shape: bool = False,
    ) -> T:
        """Send one logical call: build once, retry as the policy says, map errors, decode.

        Every attempt carries the same headers, so the same request idempotency key.
        Returns the parsed data, or the `APIResponse` when called through
        ``with_raw_response``.

        Args:
            method: HTTP method.
            path: Path below the base URL, its parameters already encoded.
            parse: Decodes the body of a successful response.
            parse_response: Decodes a successful response when headers are needed too.
            query: Query parameters (wire names), form-encoded.
            body: A JSON body (encoded with msgspec).
            content: Raw bytes, or a factory of a fresh byte stream for each attempt
                (a consumed stream is never replayed).
            content_type: Replaces ``application/json``.
            options: Per-call overrides.
            authenticated: Send the ``Authorization`` header.
            idempotency_header: Send the request idempotency key header.
            retry: The base retry policy for this endpoint, instead of the client's.
            retry_result: Retry (with backoff) a successful response whose parsed data this
                returns true for; after the last attempt the data is returned as it is.
            external: ``path`` is a whole URL outside the API (a presigned storage URL): send
                none of the SDK's headers and never log the URL (it is a credential). Implies
                ``step``.
            step: The request is a step of a larger call (an upload before a trigger): a
                ``with_raw_response`` call gets the response of its own request, not this.
            final_statuses: Statuses this call never retries, whatever the server's
                ``x-should-retry`` says (a 404 that only means "no such run" to the caller).
            shape: A realtime run subscription's request: only the headers the official
                client's realtime requests carry (see `ClientConfig.shape_headers`).
        """
        raw = not (external or step) and wants_raw()
        parser = response_parser(parse, parse_response)
        policy = (retry or self._config.retry).merged(options)
        if external:
            headers = {"content-type": content_type} if content_type else {}
            url, path = path, "<presigned URL>"
        else:
            headers = self._request_headers(
                options,
                content_type=content_type,
                authenticated=authenticated,
                idempotency_header=idempotency_header,
                shape=shape,
            )
            url = self._config.base_url + path
            if "/callback/" in path:
                path = loggable_path(path)
        if query:
            url += "?" + urlencode(query)
        if body is not _NO_BODY:
            content = ENCODER.encode(body)
        timeout = self._config.timeout
        if options and "timeout" in options:
            timeout = check_timeout("timeout", options["timeout"])
        httpx_timeout = as_httpx_timeout(timeout)
        # Seconds bound the whole attempt; an httpx.Timeout keeps only its per-phase limits.
        deadline = timeout if isinstance(timeout, float) else None
        request: httpx.Request | None = None
        failure: APIError
        cause: httpx.RequestError | None = None
        attempt = 0
        while True:
            attempt += 1
            try:
                if request is None or callable(content):
                    request = self._new_request(
                        method,
                        url,
                        content() if callable(content) else content,
                        headers,
                        httpx_timeout,
                    )
                logger.debug("%s %s (attempt %d)", method, path, attempt)
                response = await _attempt.async_send_attempt(
                    self._http, request, deadline, self._config.max_response_size
                )
            except _UNSENDABLE as exc:
                # No cause: the error's text quotes the header value (maybe the key).
                failure = unsendable_error(
                    exc, request, headers, attempts=attempt, mask_query=external
                )
                break
            except _attempt.BodyTooLarge as exc:
                assert request is not None
                failure = ResponseTooLargeError(
                    limit=exc.limit,
                    status=exc.status,
                    headers=exc.headers,
                    request=redact_request(request, mask_query=external),
                    attempts=attempt,
                )
                break
            except httpx.TransportError as exc:
                assert request is not None
                if attempt >= policy.max_attempts:
                    failure, cause = self._connection_error(exc, request, attempt, external), exc
                    break
                delay = policy.backoff(attempt)
                logger.info(
                    "%s %s failed (%s); retrying in %.2fs",
                    method,
                    path,
                    type(exc).__name__,
                    delay,
                )
            except httpx.RequestError as exc:
                # Undecodable bodies, redirect loops...: no usable response, and no retry.
                assert request is not None
                failure, cause = self._connection_error(exc, request, attempt, external), exc
                break
            else:
                release_stream(response)
                if response.is_success:
                    api_response = APIResponse(response, parser, retries_taken=attempt - 1)
                    if (
                        retry_result is None
                        or attempt >= policy.max_attempts
                        or not retry_result(api_response.parse())
                    ):
                        return cast(T, api_response) if raw else api_response.parse()
                    delay = policy.backoff(attempt)
                    logger.info("%s %s asked for a retry; retrying in %.2fs", method, path, delay)
                else:
                    retry_delay = (
                        None
                        if response.status_code in final_statuses
                        else _retry.retry_delay(
                            response.status_code, response.headers, attempt, policy
                        )
                    )
                    if retry_delay is None:
                        raise status_error(
                            response,
                            attempts=attempt,
                            request=redact_request(response.request, mask_query=external),
                        )
                    delay = retry_delay
                    logger.info(
                        "%s %s answered %d; retrying in %.2fs",
                        method,
                        path,
                        response.status_code,
                        delay,
                    )
            await _retry.async_sleep(delay)
        # Raised here, outside the except clauses, so that the exception has no implicit
        # __context__ (the httpx error, which may quote a header value) besides its cause.
        if cause is not None and failure.request is not None:
            cause.request = failure.request  # the httpx error keeps a masked request too
        raise failure from cause

    def _connection_error(
        self, exc: httpx.RequestError, request: httpx.Request, attempts: int, external: bool
    ) -> APIError:
        return connection_error(
            exc,
            redact_request(request, mask_query=external),
            attempts=attempts,
            secret=self._config.api_key,
        )

    async def _fetch_page(self, spec: PageSpec[T]) -> AsyncCursorPage[T] | AsyncOffsetPage[T]:
        page_class = AsyncCursorPage if spec.style == "cursor" else AsyncOffsetPage
        body_decoder = decoder(spec.body_type())

        def parse(content: bytes) -> AsyncCursorPage[T] | AsyncOffsetPage[T]:
            body = body_decoder.decode(content)
            return page_class(self._fetch_page, spec, body.data, body.pagination)

        return await self._request(
            "GET", spec.path, parse=parse, query=spec.query, options=spec.options
        )

    def _paginate(self, spec: PageSpec[T]) -> AsyncPaginator[T]:
        return async_first_page(self._fetch_page, spec)
