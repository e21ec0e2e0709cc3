"""Alert webhooks: the emulator posts a signed ``alert.run.failed`` for every failed run.

As Trigger.dev's alert worker does (``deliverAlert.server.ts``): a ``POST`` with
``content-type: application/json`` and ``x-trigger-signature-hmacsha256``, the lower-case hex
HMAC-SHA256 of the exact body bytes keyed by the channel's secret; a non-2xx answer or no
answer within 5 s is retried (three attempts in all here, 0.5 s then 1 s apart). Only
loopback URLs (``127.0.0.1``, ``::1``) are accepted, redirects are not followed and no proxy
is used, so an alert never leaves the machine.

A run alerts when it ends failed (``FAILED``, ``CRASHED``, ``SYSTEM_FAILURE``,
``TIMED_OUT``) while an alert channel exists: a trigger of the store queues it
(`store_webhooks.ALERT_STATUSES`), a runtime step hook takes the queue, and each channel of
the run's environment created before the run ended gets one alert. Every alert
is recorded (body, signature, status, attempts, the answer's status) for tests to read.
"""

from __future__ import annotations

import heapq
import ipaddress
import json
import logging
import secrets
import threading
import time
import weakref
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

from trigger.emulator.durations import iso
from trigger.emulator.engine import webhooks as engine
from trigger.emulator.engine.runs import RunState
from trigger.emulator.engine.statuses import API_VERSION, api_status
from trigger.emulator.routes.identity import _ORG_SLUG, _ORG_TITLE, _cuid
from trigger.emulator.shapes import LOCAL_WORKER_VERSION
from trigger.emulator.state import EmulatorState
from trigger.emulator.store import Store
from trigger.emulator.store_webhooks import (
    ALERT_STATUSES,
    AlertChannelRow,
    AlertDeliveryRow,
    WebhookStore,
)

__all__ = [
    "ALERT_STATUSES",
    "add_channel",
    "channels",
    "check_url",
    "deliveries",
    "remove_channel",
    "step",
]

logger = logging.getLogger("trigger.emulator")

_ATTEMPTS = 3
_BACKOFF_S = (0.5, 1.0)
_TIMEOUT_S = 5.0


class _Sender:
    """Per store: the one thread that posts alerts, each attempt when it is due (retries
    wait their backoff without holding up the alerts behind them). It ends when idle."""

    _IDLE_S = 5.0

    def __init__(self) -> None:
        self._due: list[tuple[float, int, EmulatorState, AlertDeliveryRow]] = []
        self._count = 0
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def send(self, state: EmulatorState, alert: AlertDeliveryRow, delay: float = 0.0) -> None:
        """Post ``alert`` (its next attempt) after ``delay`` seconds."""
        with self._wake:
            self._count += 1
            heapq.heappush(self._due, (time.monotonic() + delay, self._count, state, alert))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="trigger-emulator-alerts", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def _next(self) -> tuple[EmulatorState, AlertDeliveryRow] | None:
        with self._wake:
            while True:
                if not self._due:
                    self._wake.wait(self._IDLE_S)
                    if not self._due:
                        self._thread = None
                        return None
                    continue
                wait = self._due[0][0] - time.monotonic()
                if wait <= 0:
                    _, _, state, alert = heapq.heappop(self._due)
                    return state, alert
                self._wake.wait(wait)

    def _run(self) -> None:
        # One client for every alert: building one (its TLS context) costs milliseconds.
        with httpx.Client(trust_env=False, follow_redirects=False, timeout=_TIMEOUT_S) as http:
            while (item := self._next()) is not None:
                state, alert = item
                retry = _attempt(state, http, alert)
                if retry is not None and retry is not _GONE:
                    self.send(state, retry, _BACKOFF_S[retry.attempts - 1])


_GONE: Any = object()
_senders: weakref.WeakKeyDictionary[Store, _Sender] = weakref.WeakKeyDictionary()
_senders_lock = threading.Lock()


def _sender(state: EmulatorState) -> _Sender:
    with _senders_lock:
        sender = _senders.get(state.store)
        if sender is None:
            sender = _senders[state.store] = _Sender()
        return sender


def check_url(url: str) -> str:
    """``url`` if it is an http(s) URL on a loopback address, else ``ValueError``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme not in ("http", "https") or not loopback:
        raise ValueError(
            "an alert webhook URL must be http(s) on a loopback address such as 127.0.0.1, "
            f"got {url!r}"
        )
    return url


def _channel_json(channel: AlertChannelRow, state: EmulatorState) -> dict[str, Any]:
    slugs = {env.id: env.slug for env in state.project.envs.values()}
    return {
        "id": channel.id,
        "url": channel.url,
        "secret": channel.secret,
        "environments": [slugs.get(env_id, env_id) for env_id in channel.env_ids],
        "createdAt": iso(channel.created_at),
    }


def add_channel(
    state: EmulatorState, url: str, *, secret: str | None, env_ids: tuple[str, ...]
) -> dict[str, Any]:
    """Add a webhook alert channel; its id, URL, secret and environments."""
    if secret is not None and not secret:
        raise ValueError("secret must not be empty")
    channel = AlertChannelRow(
        id=f"alert_channel_{state.ids.cuid()}",
        url=check_url(url),
        secret=secret or secrets.token_urlsafe(24),
        env_ids=env_ids,
        created_at=state.now_ms(),
    )
    with state.store.transaction() as conn:
        WebhookStore.put_channel(conn, channel)
    return _channel_json(channel, state)


def remove_channel(state: EmulatorState, channel_id: str) -> bool:
    """Remove an alert channel; whether it existed."""
    with state.store.transaction() as conn:
        return WebhookStore.delete_channel(conn, channel_id)


def channels(state: EmulatorState) -> list[dict[str, Any]]:
    """Every alert channel, oldest first."""
    return [_channel_json(row, state) for row in WebhookStore(state.store).channels()]


def deliveries(state: EmulatorState) -> list[dict[str, Any]]:
    """Every alert sent or being sent, oldest first."""
    return [
        {
            "id": row.id,
            "channelId": row.channel_id,
            "url": row.url,
            "type": row.type,
            "runId": row.run_id,
            "body": row.body,
            "signature": row.signature,
            "status": row.status,
            "attempts": row.attempts,
            "responseStatus": row.response_status,
            "error": row.error,
            "createdAt": iso(row.created_at),
            "deliveredAt": iso(row.delivered_at) if row.delivered_at is not None else None,
        }
        for row in WebhookStore(state.store).alerts()
    ]


def _run_error(run: RunState) -> dict[str, Any]:
    error = run.error
    if isinstance(error, dict) and error.get("type") in (
        "BUILT_IN_ERROR",
        "CUSTOM_ERROR",
        "STRING_ERROR",
        "INTERNAL_ERROR",
    ):
        return error
    # The server's fallback for an error that is no TaskRunError.
    return {
        "type": "CUSTOM_ERROR",
        "raw": json.dumps(error if error is not None else "Unknown error"),
    }


def _body(state: EmulatorState, run: RunState, alert_id: str, now: int) -> bytes | None:
    env = state.project.env_by_id(run.env_id)
    if env is None:
        return None
    project = state.project
    error = _run_error(run)
    number = WebhookStore(state.store).run_number(run.env_id, run.task, run.id)
    dashboard = (
        f"{state.url}/orgs/{_ORG_SLUG}/projects/emulator/env/{env.slug}/runs/{run.friendly_id}"
    )
    return engine.run_failed_body(
        alert_id=alert_id,
        created=iso(now),
        task={
            "id": run.task,
            "filePath": "Unknown",
            "exportName": "Unknown",
            "version": run.lock_to_version or LOCAL_WORKER_VERSION,
            "sdkVersion": "Unknown",
            "cliVersion": "Unknown",
        },
        run={
            "id": run.friendly_id,
            "number": number,
            "status": api_status(run.status, API_VERSION),
            "createdAt": iso(run.created_at),
            "startedAt": iso(run.started_at) if run.started_at is not None else None,
            "completedAt": iso(run.completed_at) if run.completed_at is not None else None,
            "isTest": run.is_test,
            "idempotencyKey": run.idempotency_key,
            "tags": list(run.tags),
            "error": error,
            "isOutOfMemoryError": error.get("code") == "TASK_PROCESS_OOM_KILLED",
            "machine": run.machine or "small-1x",
            "dashboardUrl": dashboard,
        },
        environment={"id": env.id, "type": env.type, "slug": env.slug, "branchName": env.branch},
        organization={
            "id": _cuid(project.id, "organization"),
            "slug": _ORG_SLUG,
            "name": _ORG_TITLE,
        },
        project={"id": project.id, "ref": project.ref, "slug": "emulator", "name": "emulator"},
    )


def step(state: EmulatorState, now: int) -> int | None:
    """The runtime's step hook: alert on runs that failed since the last step."""
    store = WebhookStore(state.store)
    run_ids = store.pending_alerts()
    if not run_ids:
        return None  # the common case: one read of an empty table
    active = [channel for channel in store.channels() if channel.enabled]
    outgoing: list[AlertDeliveryRow] = []
    with state.store.transaction() as conn:
        for run_id in run_ids:
            run = state.store.get_run_by_id(run_id)
            if run is None:
                continue
            ended = run.completed_at if run.completed_at is not None else run.updated_at
            for channel in active:
                if run.env_id not in channel.env_ids or channel.created_at > ended:
                    continue
                alert_id = state.ids.cuid()
                body = _body(state, run, alert_id, now)
                if body is None:
                    continue
                alert = AlertDeliveryRow(
                    id=alert_id,
                    channel_id=channel.id,
                    url=channel.url,
                    type="alert.run.failed",
                    body=body.decode("utf-8"),
                    signature=engine.sign(body, channel.secret),
                    run_id=run.friendly_id,
                    created_at=now,
                )
                WebhookStore.put_alert(conn, alert)
                outgoing.append(alert)
        WebhookStore.done_alerting(conn, run_ids)
    sender = _sender(state)
    for alert in outgoing:
        sender.send(state, alert)
    return None


def _attempt(state: EmulatorState, http: httpx.Client, alert: AlertDeliveryRow) -> Any:
    """Make one attempt; the alert to try again, ``None`` when done, `_GONE` when the
    emulator's store is closed."""
    headers = {
        "content-type": "application/json",
        "x-trigger-signature-hmacsha256": alert.signature,
    }
    status: int | None = None
    error: str | None = None
    try:
        status = http.post(
            alert.url, content=alert.body.encode("utf-8"), headers=headers
        ).status_code
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    ok = status is not None and 200 <= status < 300
    if status is not None and not ok:
        error = f"the webhook answered {status}"
    attempt = alert.attempts + 1
    final = ok or attempt >= _ATTEMPTS
    done = msgspec.structs.replace(
        alert,
        attempts=attempt,
        response_status=status,
        error=None if ok else error,
        status="succeeded" if ok else ("failed" if final else "pending"),
        delivered_at=state.now_ms() if ok else alert.delivered_at,
    )
    try:
        with state.store.transaction() as conn:
            WebhookStore.update_alert(conn, done)
    except Exception:  # the emulator stopped meanwhile: nobody to tell
        logger.debug("alert %s could not be recorded", alert.id, exc_info=True)
        return _GONE
    return None if final else done
