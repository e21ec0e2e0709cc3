"""Webhook endpoints at run time: declared endpoints, deliveries routed to tasks and waiters.

In Trigger.dev an endpoint is declared in code (``webhooks.endpoint.define``) and synced at
deploy; here it is declared through `EmulatorWebhooks.endpoint` (``emulator.webhooks``) or
``POST /_emulator/webhooks/endpoints``. Each endpoint gets a hosted URL
(``/webhooks/v1/ingest/<opaque id>``); a POST to it is a delivery:

- recorded with the event (the JSON body), the headers (credentials dropped), a body hash
  and the key it is deduplicated by (the provider's event id, else the body hash) for 6 h;
- routed to each subscribed task whose filter passes (a run with payload
  ``{event, headers, endpoint}``, tagged ``webhook:endpoint:<wh_id>`` and
  ``webhook:source:<source>``), and to every live waiter whose ``match`` and ``filter`` it
  meets (its waitpoint completes with ``{event, headers, deliveryId, endpoint}``);
- ``succeeded`` when anything took it, ``filtered`` when nothing did, ``unmatched`` when
  waiters were live but none matched.

The emulator does not check the provider's signature (that is Trigger.dev's job, not the
receiving code's): every POST to an active endpoint's URL is accepted. Waiters are
waitpoint tokens; a handler waits on one with ``ctx.wait.for_token(waiter_id)``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from trigger.emulator.engine import webhooks as engine
from trigger.emulator.project import Environment
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_webhooks import (
    DeliveryRow,
    EndpointRow,
    SubscriberRow,
    WaiterRow,
    WebhookStore,
)
from trigger.emulator.triggering import TriggerError, trigger_run

__all__ = [
    "ASYMMETRIC_SOURCES",
    "DEDUPE_WINDOW_MS",
    "EmulatorWebhooks",
    "IngestOutcome",
    "WebhookService",
    "delivery_id",
    "ingress_url",
]

DEDUPE_WINDOW_MS = 6 * 3600 * 1000
"""How long a delivery's key makes a repeated request a duplicate (6 hours)."""
ASYMMETRIC_SOURCES = frozenset({"discord"})
"""Sources verified with a public key: no secret can be generated for them."""
_RETRY_WINDOW = {"stripe": "3d"}
_BASE32HEX = "0123456789abcdefghijklmnopqrstuv"
_CANCELLED = json.dumps(
    {"name": "WebhookWaiterCancelledError", "message": "The webhook waiter was cancelled"},
    separators=(",", ":"),
)


def delivery_id(now_ms: int, entropy: bytes) -> str:
    """A ``whd_…`` id: base32hex of the 6-byte time and 9 random bytes, class 0, version 2."""
    core = now_ms.to_bytes(6, "big") + entropy[:9].ljust(9, b"\0")
    bits = int.from_bytes(core, "big")
    chars = [_BASE32HEX[(bits >> shift) & 31] for shift in range(115, -1, -5)]
    return "whd_" + "".join(chars) + "02"


def ingress_url(base_url: str, endpoint: EndpointRow) -> str:
    """The endpoint's hosted URL."""
    return f"{base_url}/webhooks/v1/ingest/{endpoint.opaque_id}"


@dataclass(frozen=True)
class IngestOutcome:
    """What a POST to an endpoint's URL did: ``accepted`` or ``duplicate`` (with the
    delivery), ``not_found``."""

    outcome: str
    delivery: DeliveryRow | None = None


def _endpoint_view(endpoint: EndpointRow) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": endpoint.friendly_id,
        "declaredId": endpoint.declared_id,
        "tenantId": None,
        "externalRef": None,
    }
    if endpoint.metadata is not None:
        view["metadata"] = endpoint.metadata
    return view


def _webhook_fields(endpoint: EndpointRow, delivery: str) -> dict[str, Any]:
    """What ``webhook.*`` paths of filters and matches read."""
    return {
        "id": endpoint.friendly_id,
        "declaredId": endpoint.declared_id,
        "source": endpoint.source,
        "deliveryId": delivery,
        "externalRef": None,
        "tenantId": None,
    }


def _parse_json(raw: bytes) -> tuple[Any, str | None]:
    try:
        return json.loads(raw.decode("utf-8", "replace")), None
    except (ValueError, RecursionError):
        return None, "verified body is not valid JSON"


class WebhookService:
    """Webhook endpoints, deliveries and waiters over the emulator's state (thread-safe)."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.store = WebhookStore(state.store)

    # -- endpoints --------------------------------------------------------------------------

    def declare(
        self,
        env: Environment,
        declared_id: str,
        *,
        source: str = "custom",
        subscribers: Sequence[SubscriberRow] = (),
        secret: str | None = None,
        secret_provisioning: str = "either",
        metadata: dict[str, Any] | None = None,
    ) -> EndpointRow:
        """Declare (or redeclare, as a deploy does) an endpoint of ``env``.

        Raises:
            ValueError: The id is empty or starts with ``wh_``, or a filter does not parse.
        """
        if not declared_id or declared_id.startswith("wh_"):
            raise ValueError(
                f"an endpoint id can't be empty or start with 'wh_' (reserved for generated "
                f"ids), got {declared_id!r}"
            )
        for subscriber in subscribers:
            if subscriber.filter is not None:
                try:
                    engine.parse_filter(subscriber.filter)
                except engine.FilterError as error:
                    raise ValueError(
                        f"the filter of subscriber {subscriber.task_id!r} does not parse: {error}"
                    ) from None
        now = self.state.now_ms()
        with self.state.store.transaction() as conn:
            existing = self.store.endpoint(env.id, declared_id)
            if existing is None:
                internal = self.state.ids.cuid()
                endpoint = EndpointRow(
                    id=internal,
                    env_id=env.id,
                    declared_id=declared_id,
                    source=source,
                    opaque_id=self.state.ids.token(32),
                    secret=secret,
                    secret_provisioning=secret_provisioning,
                    subscribers=tuple(subscribers),
                    metadata=metadata,
                    created_at=now,
                    updated_at=now,
                )
            else:
                endpoint = msgspec.structs.replace(
                    existing,
                    source=source,
                    secret=secret if secret is not None else existing.secret,
                    secret_provisioning=secret_provisioning,
                    subscribers=tuple(subscribers),
                    metadata=metadata,
                    status="active",
                    updated_at=now,
                )
            self.store.put_endpoint(conn, endpoint)
        return endpoint

    def set_status(self, endpoint: EndpointRow, status: str) -> EndpointRow:
        """Disable (``inactive``) or enable (``active``) an endpoint."""
        changed = msgspec.structs.replace(endpoint, status=status, updated_at=self.state.now_ms())
        with self.state.store.transaction() as conn:
            self.store.put_endpoint(conn, changed)
        return changed

    def set_secret(
        self, endpoint: EndpointRow, secret: str, previous_ttl_s: int | None
    ) -> tuple[EndpointRow, int | None]:
        """Replace the signing secret; the old one verifies ``previous_ttl_s`` more seconds.

        Returns the endpoint and when the previous secret stops (``None``: at once).
        """
        now = self.state.now_ms()
        expires = now + previous_ttl_s * 1000 if previous_ttl_s and endpoint.secret else None
        changed = msgspec.structs.replace(
            endpoint,
            secret=secret,
            previous_secret=endpoint.secret if expires is not None else None,
            previous_secret_expires_at=expires,
            updated_at=now,
        )
        with self.state.store.transaction() as conn:
            self.store.put_endpoint(conn, changed)
        return changed, expires

    # -- deliveries -------------------------------------------------------------------------

    def _new_delivery_id(self, now: int) -> str:
        entropy = hashlib.sha256(self.state.ids.token(32).encode()).digest()
        return delivery_id(now, entropy)

    def ingest(
        self,
        endpoint: EndpointRow,
        raw: bytes,
        headers: Mapping[str, str],
        *,
        waiter_token: str | None = None,
    ) -> IngestOutcome:
        """Record and route one POST to an endpoint's URL (or to a waiter's own URL)."""
        if endpoint.status != "active":
            return IngestOutcome("not_found")
        waiter_only: WaiterRow | None = None
        if waiter_token is not None:
            waiter_only = self.store.waiter_by_token(waiter_token)
            if waiter_only is None or waiter_only.endpoint_id != endpoint.id:
                return IngestOutcome("not_found")
        event, error = _parse_json(raw)
        lowered = {key.lower(): value for key, value in headers.items()}
        key = engine.delivery_key(endpoint.source, lowered, raw, event)
        now = self.state.now_ms()
        duplicate = self.store.duplicate(endpoint.id, key, now - DEDUPE_WINDOW_MS)
        if duplicate is not None:
            return IngestOutcome("duplicate", duplicate)
        is_test = bool(lowered.get("x-trigger-test"))
        row = DeliveryRow(
            id=self._new_delivery_id(now),
            env_id=endpoint.env_id,
            endpoint_id=endpoint.id,
            status="processing",
            idempotency_key=key,
            external_delivery_id=key,
            created_at=now,
            updated_at=now,
            is_test=is_test,
            event=event,
            headers=engine.curate_headers(lowered),
            raw_body_hash=hashlib.sha256(raw).hexdigest(),
            error=error,
        )
        subscribers = () if waiter_only is not None else endpoint.subscribers
        waiters = [waiter_only] if waiter_only is not None else self.store.waiters_of(endpoint.id)
        delivered = self._route(
            endpoint, row, subscribers, waiters, resume_waiters=True, by_url=waiter_only is not None
        )
        return IngestOutcome("accepted", delivered)

    def _live(self, waiters: Sequence[WaiterRow]) -> list[WaiterRow]:
        table = self.state.runtime.waits.table
        live = []
        for waiter in waiters:
            token = table.get(waiter.waitpoint_id, waiter.env_id)
            if token is not None and token.is_pending and not waiter.cancelled:
                live.append(waiter)
        return live

    def _route(
        self,
        endpoint: EndpointRow,
        row: DeliveryRow,
        subscribers: Sequence[SubscriberRow],
        waiters: Sequence[WaiterRow],
        *,
        resume_waiters: bool,
        by_url: bool = False,
        force: str | None = None,
    ) -> DeliveryRow:
        env = self.state.project.env_by_id(endpoint.env_id)
        assert env is not None
        ctx = engine.FilterContext(
            event=row.event if row.event is not None else engine.UNDEFINED,
            headers=row.headers or {},
            webhook=_webhook_fields(endpoint, row.id),
        )
        # A URL-matched waiter is resumed only through its own URL (``by_url``), and only it.
        live = [
            w
            for w in (self._live(waiters) if resume_waiters else [])
            if by_url == bool(w.url_token)
        ]
        candidates = [engine.WaiterCandidate(w.waitpoint_id, w.match, w.filter) for w in live]
        chosen = [
            engine.Subscriber(s.task_id, None if s.task_id == force else s.filter)
            for s in subscribers
        ]
        result = engine.route(chosen, candidates, ctx)
        payload = {
            "event": row.event,
            "headers": row.headers or {},
            "endpoint": _endpoint_view(endpoint),
        }
        tags = [f"webhook:endpoint:{endpoint.friendly_id}", f"webhook:source:{endpoint.source}"]
        now = self.state.now_ms()
        with self.state.store.transaction() as conn:
            for target in result.targets:
                if target.status != "pending":
                    continue
                options: dict[str, Any] = {
                    "tags": tags,
                    "idempotencyKey": f"{endpoint.friendly_id}:{row.idempotency_key}",
                    "idempotencyKeyTTL": _RETRY_WINDOW.get(endpoint.source, "1d"),
                }
                if endpoint.metadata is not None:
                    options["metadata"] = endpoint.metadata
                try:
                    outcome = trigger_run(
                        self.state, env, target.id, {"payload": payload, "options": options}
                    )
                except TriggerError as error:
                    target.status, target.error = "failed", error.message
                else:
                    target.status, target.run_id = "succeeded", outcome.run.friendly_id
            targets = [target.to_json() for target in result.targets]
            if result.waiters:
                count = len(result.waiters)
                targets.append(
                    engine.Target(
                        "waiters",
                        "waiter",
                        "succeeded",
                        waiters={"matched": count, "resumed": count, "failed": 0},
                    ).to_json()
                )
                for waiter in live:
                    if waiter.waitpoint_id in result.waiters:
                        self.store.put_waiter(
                            conn, msgspec.structs.replace(waiter, claimed_by=row.id)
                        )
            status = engine.delivery_status(result, len(live))
            reason = result.filter_reason if status == "filtered" else None
            if status == "filtered" and reason is None and not subscribers:
                reason = "The endpoint has no subscribers"
            done = msgspec.structs.replace(
                row,
                status=status,
                targets=tuple(targets),
                filter_reason=reason,
                processed_at=now,
                updated_at=now,
            )
            self.store.put_delivery(conn, done)
        output = json.dumps(
            {
                "event": row.event,
                "headers": row.headers or {},
                "deliveryId": row.id,
                "endpoint": _endpoint_view(endpoint),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for waitpoint_id in result.waiters:
            self.state.runtime.waits.complete(
                endpoint.env_id, waitpoint_id, output, "application/json"
            )
        if result.to_trigger:
            self.state.runtime.wake()
        return done

    def replay(self, delivery: DeliveryRow, target_id: str | None) -> DeliveryRow | str:
        """Route a delivery's event again as a new delivery (never to waiters).

        Returns the new delivery, or why it cannot be replayed (``not_found``, ``no_task``,
        ``no_target``).
        """
        endpoint = self.store.endpoint_by_id(delivery.endpoint_id)
        if endpoint is None:
            return "not_found"
        if not endpoint.subscribers:
            return "no_task"
        subscribers = endpoint.subscribers
        if target_id is not None:
            subscribers = tuple(s for s in subscribers if s.task_id == target_id)
            if not subscribers:
                return "no_target"
        now = self.state.now_ms()
        new_id = self._new_delivery_id(now)
        row = msgspec.structs.replace(
            delivery,
            id=new_id,
            status="pending",
            idempotency_key=f"replay:{delivery.id}:{new_id}",
            created_at=now,
            updated_at=now,
            processed_at=None,
            filter_reason=None,
            targets=(),
            replayed_from=delivery.id,
        )
        return self._route(endpoint, row, subscribers, (), resume_waiters=False, force=target_id)

    # -- waiters ----------------------------------------------------------------------------

    def create_waiter(
        self,
        env: Environment,
        endpoint: EndpointRow,
        *,
        match: dict[str, Any] | None,
        filter_text: str | None,
        timeout_at: int,
        tags: Sequence[str],
        idempotency_key: str | None,
        key_ttl_ms: int | None,
    ) -> tuple[WaiterRow, Any, bool]:
        """Create a waiter (or find the one holding its key): ``(waiter, token, cached)``."""
        service = self.state.runtime.waits
        token, cached = service.create_token(
            env,
            self.state.ids,
            idempotency_key=idempotency_key,
            key_ttl_ms=key_ttl_ms,
            timeout_at=timeout_at,
            tags=(f"webhook:{endpoint.declared_id}", *tags),
        )
        existing = self.store.waiter(token.id)
        if existing is not None:
            return existing, token, True
        waiter = WaiterRow(
            waitpoint_id=token.id,
            endpoint_id=endpoint.id,
            env_id=env.id,
            match=match,
            filter=filter_text,
            url_token=self.state.ids.token(32) if match is None else None,
            created_at=self.state.now_ms(),
        )
        with self.state.store.transaction() as conn:
            self.store.put_waiter(conn, waiter)
        return waiter, token, cached

    def live_waiters(self, endpoint: EndpointRow) -> list[WaiterRow]:
        """The waiters of an endpoint still waiting for a delivery."""
        return self._live(self.store.waiters_of(endpoint.id))

    def cancel_waiter(self, waiter: WaiterRow) -> dict[str, Any]:
        """Cancel a waiter: ``{cancelled: true}``, or too late when a delivery claimed it."""
        if waiter.claimed_by is not None:
            return {"cancelled": False, "reason": "too_late", "deliveryId": waiter.claimed_by}
        with self.state.store.transaction() as conn:
            self.store.put_waiter(conn, msgspec.structs.replace(waiter, cancelled=True))
        self.state.runtime.waits.complete(
            waiter.env_id, waiter.waitpoint_id, _CANCELLED, "application/json", is_error=True
        )
        return {"cancelled": True}


# -- the Python API (``emulator.webhooks``) ---------------------------------------------------


def _subscribers(tasks: Sequence[str] | Mapping[str, str | None]) -> tuple[SubscriberRow, ...]:
    if isinstance(tasks, str):
        raise TypeError("tasks must be a sequence of task ids or a mapping of id to filter")
    items = list(tasks.items()) if isinstance(tasks, Mapping) else [(t, None) for t in tasks]
    out = []
    for task_id, filter_text in items:
        if not isinstance(task_id, str) or not task_id:
            raise ValueError("every subscriber task id must be a non-empty string")
        if filter_text is not None and not isinstance(filter_text, str):
            raise TypeError(f"the filter of {task_id!r} must be a str or None")
        out.append(SubscriberRow(task_id=task_id, filter=filter_text or None))
    return tuple(out)


class EmulatorWebhooks:
    """``emulator.webhooks``: declare endpoints, post deliveries to them, send alerts.

        endpoint = emulator.webhooks.endpoint("stripe", source="stripe",
                                              tasks={"fulfil-order": "event.type == 'paid'"})
        delivery = emulator.webhooks.send("stripe", {"id": "evt_1", "type": "paid"})
        channel = emulator.webhooks.alert("http://127.0.0.1:8000/hooks/trigger")

    Args:
        state: The emulator's state.
    """

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self._service = WebhookService(state)

    def _env(self, env: str) -> Environment:
        aliases = {"staging": "stg", "production": "prod", "development": "dev"}
        found = self._state.project.envs.get(aliases.get(env, env))
        if found is None:
            raise ValueError("env must be 'dev', 'stg', 'prod' or 'preview'")
        return found

    def endpoint(
        self,
        endpoint_id: str,
        *,
        source: str = "custom",
        tasks: Sequence[str] | Mapping[str, str | None] = (),
        env: str = "dev",
        secret: str | None = None,
        secret_provisioning: str = "either",
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Declare an endpoint (again: update it, keeping its id and URL).

        Args:
            endpoint_id: The declared id (``webhooks.endpoint.define({ id })``); not ``wh_…``.
            source: The provider: ``stripe``, ``github``, ``custom`` … (only dedupe keys and
                secret rules depend on it: the emulator checks no provider signature).
            tasks: Subscribed task ids, or task id -> filter expression (``None``: none).
            env: ``dev``, ``stg``, ``prod`` or ``preview``.
            secret: A signing secret to start with (``secretSet`` shows it is set).
            secret_provisioning: ``provider``, ``integrator`` or ``either``.
            metadata: Passed to subscribers as ``endpoint.metadata``.

        Returns:
            The endpoint as the API shows it (``id``, ``declaredId``, ``url`` …).
        """
        from trigger.emulator.routes.webhooks import endpoint_json

        row = self._service.declare(
            self._env(env),
            endpoint_id,
            source=source,
            subscribers=_subscribers(tasks),
            secret=secret,
            secret_provisioning=secret_provisioning,
            metadata=metadata,
        )
        return endpoint_json(row, self._state.url)

    def send(
        self,
        endpoint_id: str,
        event: Any,
        *,
        headers: Mapping[str, str] | None = None,
        env: str = "dev",
    ) -> dict[str, Any]:
        """Deliver ``event`` (JSON data, or raw bytes) to an endpoint, as a provider would.

        Returns:
            The delivery as ``GET /api/v1/webhooks/deliveries/{id}`` shows it.

        Raises:
            LookupError: No such endpoint, or it is disabled.
        """
        from trigger.emulator.routes.webhooks import delivery_json

        environment = self._env(env)
        row = self._service.store.endpoint(environment.id, endpoint_id)
        if row is None:
            raise LookupError(f"no webhook endpoint {endpoint_id!r} in {environment.slug}")
        raw = event if isinstance(event, bytes) else json.dumps(event).encode("utf-8")
        sent = {"content-type": "application/json", **(headers or {})}
        outcome = self._service.ingest(row, raw, sent)
        if outcome.delivery is None:
            raise LookupError(f"webhook endpoint {endpoint_id!r} is disabled")
        return delivery_json(outcome.delivery, self._service.store)

    def alert(
        self,
        url: str,
        *,
        secret: str | None = None,
        envs: Sequence[str] = ("dev", "stg", "prod", "preview"),
    ) -> dict[str, Any]:
        """Add a webhook alert channel: each run of ``envs`` that fails is posted to ``url``.

        The body is the ``alert.run.failed`` event, signed as Trigger.dev signs it
        (``x-trigger-signature-hmacsha256``: hex HMAC-SHA256 of the body with ``secret``).

        Args:
            url: Where to post: an ``http(s)`` URL on a loopback address (``127.0.0.1``).
            secret: The signing secret (default: a new random one, returned).
            envs: The environments whose failed runs alert.

        Returns:
            ``{"id", "url", "secret", "environments"}``.
        """
        from trigger.emulator import webhook_alerts

        env_ids = tuple(self._env(env).id for env in envs)
        return webhook_alerts.add_channel(self._state, url, secret=secret, env_ids=env_ids)

    def remove_alert(self, channel_id: str) -> bool:
        """Remove an alert channel; whether it existed."""
        from trigger.emulator import webhook_alerts

        return webhook_alerts.remove_channel(self._state, channel_id)

    def alert_deliveries(self) -> list[dict[str, Any]]:
        """Every alert sent (or being sent), oldest first, with its exact body and signature."""
        from trigger.emulator import webhook_alerts

        return webhook_alerts.deliveries(self._state)
