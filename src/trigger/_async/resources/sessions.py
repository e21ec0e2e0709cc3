"""`client.sessions`: start, list, retrieve, update and close sessions; use their channels."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from trigger._config import as_httpx_timeout, check_timeout
from trigger._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    status_error,
)
from trigger._models import decoder
from trigger._paginator import AsyncPaginator
from trigger._paging import PageSpec
from trigger._response import async_raw_response_wrapper
from trigger._types import NOT_GIVEN, RequestOptions
from trigger._validation import check_number, check_str
from trigger._wire import sessions as wire
from trigger._wire.sessions import Channel, SessionTriggerConfigParam
from trigger.types.session_transcripts import SessionTranscript
from trigger.types.sessions import (
    AsyncSessionEvents,
    CreatedSession,
    Session,
    SessionAppendResult,
    SessionRecords,
    SessionTriggerConfig,
)

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncSessions", "AsyncSessionsWithRawResponse"]

logger = logging.getLogger("trigger")


class AsyncSessions:
    """Sessions and their ``in``/``out`` record channels: ``client.sessions``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncSessionsWithRawResponse(self)
        """The same methods (but `subscribe`), returning `APIResponse`."""

    async def create(
        self,
        *,
        type: str,
        task_identifier: str,
        trigger_config: SessionTriggerConfig | SessionTriggerConfigParam | Mapping[str, Any],
        external_id: str | None = None,
        tags: str | Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        expires_at: datetime | str | None = None,
        request_options: RequestOptions | None = None,
    ) -> CreatedSession:
        """Start a session and trigger its first run (``sessions.start`` in the official SDK).

        With an ``external_id`` that already names an open session, that session is returned
        (``is_cached`` true) and nothing is triggered.

        Args:
            type: Your free-form kind of session, e.g. ``"chat.agent"`` (1-64 characters).
            task_identifier: The task whose runs serve the session (1-128 characters).
            trigger_config: How runs are triggered: ``base_payload`` (required, a mapping)
                and ``machine``, ``queue``, ``tags`` (≤5), ``max_attempts`` (1-10),
                ``max_duration`` (s), ``lock_to_version``, ``region``,
                ``idle_timeout_in_seconds`` (1-3600); a mapping or a `SessionTriggerConfig`.
            external_id: Your own id of the session (1-256 characters, not starting with
                ``session_``), unique in the environment.
            tags: Up to 10 tags (each at most 128 characters).
            metadata: Your metadata (a JSON object).
            expires_at: Retention deadline (aware `datetime` or ISO-8601 string).
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The session, its first run and a public access token for it.

        Raises:
            ConflictError: ``external_id`` belongs to a closed or expired session.
        """
        body = wire.create_body(
            type=type,
            task_identifier=task_identifier,
            trigger_config=trigger_config,
            external_id=external_id,
            tags=tags,
            metadata=metadata,
            expires_at=expires_at,
        )
        return await self._client._request(
            "POST",
            "/api/v1/sessions",
            parse=decoder(CreatedSession).decode,
            body=body,
            options=request_options,
        )

    start = create

    def list(
        self,
        *,
        type: str | Sequence[str] | None = None,
        tag: str | Sequence[str] | None = None,
        task_identifier: str | Sequence[str] | None = None,
        external_id: str | None = None,
        status: str | Sequence[str] | None = None,
        period: str | None = None,
        from_: datetime | int | None = None,
        to: datetime | int | None = None,
        limit: int | None = None,
        after: str | None = None,
        before: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncPaginator[Session]:
        """List sessions, newest first. Iterate the result to walk every page.

        List rows carry no ``trigger_config`` nor ``current_run_id``; retrieve a session to
        read them.

        Args:
            type: A session type.
            tag: A tag.
            task_identifier: A task id.
            external_id: Exactly this external id.
            status: ``ACTIVE``, ``CLOSED`` or ``EXPIRED``.

        Each filter takes one value (a one-item list is accepted): the server reads a list
        as one string, so a second value could only fail or match nothing.
            period: Created within this period, e.g. ``"1d"`` (not with from_/to).
            from_: Created at or after (aware datetime or Unix milliseconds).
            to: Created at or before (aware datetime or Unix milliseconds).
            limit: Page size (1-100).
            after: Start after this cursor.
            before: End before this cursor.
            request_options: Per-call retry, timeout and header overrides.
        """
        query = wire.list_sessions_query(
            type=type,
            tag=tag,
            task_identifier=task_identifier,
            external_id=external_id,
            status=status,
            period=period,
            from_=from_,
            to=to,
            limit=limit,
            after=after,
            before=before,
        )
        return self._client._paginate(
            PageSpec("cursor", Session, "/api/v1/sessions", query, request_options)
        )

    async def retrieve(
        self, session: str, *, request_options: RequestOptions | None = None
    ) -> Session:
        """Retrieve a session with its trigger config and live run.

        Args:
            session: The session id (``session_…``) or your external id.
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "GET",
            wire.session_path(session),
            parse=decoder(Session).decode,
            options=request_options,
        )

    async def update(
        self,
        session: str,
        *,
        tags: str | Sequence[str] = NOT_GIVEN,
        metadata: Mapping[str, Any] | None = NOT_GIVEN,
        external_id: str | None = NOT_GIVEN,
        request_options: RequestOptions | None = None,
    ) -> Session:
        """Change a session's tags or metadata (secret keys only).

        Only the arguments passed are sent; the others stay as they are.

        Args:
            session: The session id (``session_…``) or your external id.
            tags: The new tags, replacing the old ones (at most 10; ``[]`` removes them all).
            metadata: The new metadata (a JSON object), or ``None`` to clear it.
            external_id: Read-only after creation: only the current value is accepted.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            UnprocessableEntityError: ``external_id`` differs from the current one.
        """
        body = wire.update_body(tags=tags, metadata=metadata, external_id=external_id)
        return await self._client._request(
            "PATCH",
            wire.session_path(session),
            parse=decoder(Session).decode,
            body=body,
            options=request_options,
        )

    async def close(
        self,
        session: str,
        *,
        reason: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> Session:
        """Close a session for good (secret keys only); closing it again changes nothing.

        Args:
            session: The session id (``session_…``) or your external id.
            reason: Why, recorded on the session (at most 256 characters).
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "POST",
            wire.session_path(session, "/close"),
            parse=decoder(Session).decode,
            body=wire.close_body(reason),
            options=request_options,
        )

    async def transcript(
        self,
        session: str,
        *,
        limit: int | None = None,
        before: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> SessionTranscript:
        """The messages a ``chat.agent`` session persisted (secret keys only).

        Without ``limit`` the whole stored transcript comes back; with it, the newest
        ``limit`` messages, and ``next_cursor`` to pass as ``before`` for the older ones.
        The endpoint came with the official SDK 4.8; an older server answers 404.

        Args:
            session: The session id (``session_…``) or your external id.
            limit: At most this many messages, the newest (at least 1).
            before: Only messages before this message id (a page's ``next_cursor``).
            request_options: Per-call retry, timeout and header overrides.
        """
        query: dict[str, str] = {}
        if limit is not None:
            query["limit"] = str(int(check_number("limit", limit, minimum=1, integer=True)))
        if before is not None:
            query["before"] = check_str("before", before)
        return await self._client._request(
            "GET",
            wire.session_path(session, "/transcript"),
            parse=decoder(SessionTranscript).decode,
            query=query,
            options=request_options,
        )

    async def append(
        self,
        session: str,
        io: Channel,
        record: Any,
        *,
        channel: str | None = None,
        part_id: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> SessionAppendResult:
        """Append one record to a session channel.

        Args:
            session: The session id (``session_…``) or your external id.
            io: ``"in"`` (towards the task) or ``"out"`` (from it; secret keys only). A named
                channel takes ``"in"`` only.
            record: ``bytes`` (sent as they are), ``str`` (sent as UTF-8 text) or any other
                JSON value (sent as JSON); at most 1 MiB.
            channel: A named channel of the session (1-128 letters, digits, ``.``, ``_`` or
                ``-``) instead of its default pair: ``…/channels/{channel}/in/append``.
            part_id: Sent as ``X-Part-Id``: appending the same part id twice stores one record.
                A named-channel append without one gets a random part id, as the official
                client's does; every retry of the call sends the same one.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            BadRequestError: The session is closed or expired.
        """
        path = wire.channel_path(session, io, "/append", channel=channel, named_io=("in",))
        content, content_type = wire.append_content(record)
        if part_id is None and channel is not None:
            part_id = wire.new_part_id()
        if part_id is not None:
            options: RequestOptions = {**(request_options or {})}
            options["extra_headers"] = wire.with_headers(
                options.get("extra_headers"), wire.part_id_header(part_id)
            )
            request_options = options
        return await self._client._request(
            "POST",
            path,
            parse=decoder(SessionAppendResult).decode,
            content=content,
            content_type=content_type,
            options=request_options,
        )

    async def records(
        self,
        session: str,
        io: Channel,
        *,
        channel: str | None = None,
        after_event_id: str | int | None = None,
        request_options: RequestOptions | None = None,
    ) -> SessionRecords:
        """Read the records of a session channel at once (no streaming).

        Args:
            session: The session id (``session_…``) or your external id.
            io: ``"in"`` or ``"out"``.
            channel: A named channel of the session instead of its default pair
                (``…/channels/{channel}/{io}/records``).
            after_event_id: Only records after this one: its `seq_num`, which the server
                compares.
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "GET",
            wire.channel_path(session, io, "/records", channel=channel),
            parse=decoder(SessionRecords).decode,
            query=wire.records_query(after_event_id),
            options=request_options,
        )

    def subscribe(
        self,
        session: str,
        io: Channel,
        *,
        channel: str | None = None,
        last_event_id: str | int | None = None,
        timeout_seconds: int | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncSessionEvents:
        """Follow a session channel as server-sent events (needs ``trigger-sdk[realtime]``).

        The stream opens on the first iteration and closes when the server ends it or when
        the generator is closed: to stop early, close it (or iterate it inside
        ``contextlib.aclosing`` / ``contextlib.closing``) so the connection is released at
        once. It is not retried: to resume, subscribe again with ``last_event_id`` set to the
        ``seq_num`` of the last record received.

        The server relays S2's events: ``batch`` events whose data is JSON
        ``{"records": [{"seq_num", "timestamp", "body", "headers"?}]}`` (each ``body`` the JSON
        text of ``{"data": <the record as appended>, "id": <its part id>}``), ``ping`` events,
        and a last ``[DONE]`` when the server ends the stream.

        Args:
            session: The session id (``session_…``) or your external id.
            io: ``"in"`` or ``"out"``. A named channel takes ``"out"`` only.
            channel: A named channel of the session instead of its default pair
                (``…/channels/{channel}/out``).
            last_event_id: Resume after this record's sequence number (sent as
                ``Last-Event-ID``): the ``seq_num`` of the last record received.
            timeout_seconds: How long the server keeps the stream open without new records,
                1-600 (sent as ``Timeout-Seconds``).
            request_options: Timeout and header overrides; the timeout bounds connecting
                and each wait for data (a wait is allowed at least ``timeout_seconds`` + 10 s).

        Returns:
            A generator of `SessionEvent`.

        Raises:
            ImportError: ``httpx-sse`` is not installed.
            APIStatusError: The server refused the subscription (raised while iterating).
            APIConnectionError: The connection failed or dropped (raised while iterating).
        """
        wire.require_httpx_sse()
        path = wire.channel_path(session, io, channel=channel, named_io=("out",))
        headers = self._client._request_headers(
            request_options,
            content_type=None,
            authenticated=True,
            idempotency_header=False,
        )
        headers = wire.with_headers(headers, wire.stream_headers(last_event_id, timeout_seconds))
        timeout = self._client._config.timeout
        if request_options and "timeout" in request_options:
            timeout = check_timeout("timeout", request_options["timeout"])
        return self._events(
            path, headers, wire.stream_timeout(as_httpx_timeout(timeout), timeout_seconds)
        )

    async def _events(
        self, path: str, headers: dict[str, str], timeout: httpx.Timeout
    ) -> AsyncSessionEvents:
        http = self._client._http
        request = http.build_request(
            "GET", self._client.base_url + path, headers=headers, timeout=timeout
        )
        logger.debug("GET %s (event stream)", path)
        try:
            response = await http.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise APITimeoutError(request=request) from exc
        except httpx.TransportError as exc:
            raise APIConnectionError(request=request) from exc
        try:
            if not response.is_success:
                await response.aread()
                raise status_error(response)
            if not wire.is_event_stream(response):
                await response.aread()
                raise APIResponseValidationError(
                    "Expected a text/event-stream response, got "
                    f"{response.headers.get('content-type')!r}",
                    response=response,
                )
            events = wire.AsyncServerSentEvents(response)
            try:
                async for event in events:
                    yield event
            finally:
                await events.aclose()
        except httpx.TimeoutException as exc:
            raise APITimeoutError(request=request) from exc
        except httpx.TransportError as exc:
            raise APIConnectionError(request=request) from exc
        finally:
            await response.aclose()


class AsyncSessionsWithRawResponse:
    """`AsyncSessions` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, sessions: AsyncSessions) -> None:
        self.create = async_raw_response_wrapper(sessions.create)
        self.start = self.create
        self.list = async_raw_response_wrapper(sessions.list)
        self.retrieve = async_raw_response_wrapper(sessions.retrieve)
        self.update = async_raw_response_wrapper(sessions.update)
        self.close = async_raw_response_wrapper(sessions.close)
        self.transcript = async_raw_response_wrapper(sessions.transcript)
        self.append = async_raw_response_wrapper(sessions.append)
        self.records = async_raw_response_wrapper(sessions.records)
