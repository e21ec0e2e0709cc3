"""Creating runs: from a validated trigger body to a stored run (SERVER.md §2.1, §3).

Used by the trigger route, by replay and (later) by batches, so every way of starting a run
applies the same rules: the task idempotency key and its TTL, tags, delay, TTL (``10m`` by
default in dev), metadata size, queue, and the payload stored as it was sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import msgspec

from trigger.emulator import jwt
from trigger.emulator.durations import (
    IDEMPOTENCY_DEFAULT_TTL_MS,
    idempotency_ttl_ms,
    parse_delay,
    stringify_duration,
)
from trigger.emulator.engine import runs as engine
from trigger.emulator.engine.runs import RunState
from trigger.emulator.packets import offload_payload
from trigger.emulator.project import Environment
from trigger.emulator.shapes import LOCAL_WORKER_VERSION, decode_packet
from trigger.emulator.state import EmulatorState
from trigger.emulator.store import QueueRow
from trigger.emulator.store_deployments import DeploymentStore

__all__ = [
    "METADATA_MAX_BYTES",
    "MAX_TAGS",
    "TriggerError",
    "TriggerOutcome",
    "replay_body",
    "run_token_headers",
    "trigger_run",
]

MAX_TAGS = 10
METADATA_MAX_BYTES = 262_144
_TRIGGER_SOURCES = ("sdk", "cli", "mcp")
DEFAULT_WORKER_GROUP = "local-dev"
"""The region of runs outside dev (the real self-hosted server's default worker group);
dev runs are queued for their environment, whose id is their region there."""
# Bounds that keep absurd values from overflowing the clock arithmetic.
_MAX_DURATION_S = 2_147_483_647.0
_MAX_PRIORITY_S = 1e9


class TriggerError(Exception):
    """A trigger the server refuses after validation: status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class TriggerOutcome(msgspec.Struct, frozen=True):
    """The run a trigger created or found, and whether it was found (``isCached``)."""

    run: RunState
    is_cached: bool


def _serialize_metadata(options: Mapping[str, Any]) -> tuple[str | None, str]:
    metadata = options.get("metadata")
    metadata_type = options.get("metadataType") or "application/json"
    if not metadata:
        return None, metadata_type
    data: str | None = None
    if isinstance(metadata, str):
        data = metadata
    if metadata_type == "application/json":
        data = json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))
        metadata_type = "application/json"
    if not data:
        return None, metadata_type
    if len(data.encode("utf-8")) > METADATA_MAX_BYTES:
        raise TriggerError(413, f"Metadata exceeds maximum size of {METADATA_MAX_BYTES} bytes")
    return data, metadata_type


def _serialize_payload(
    body: Mapping[str, Any], options: Mapping[str, Any]
) -> tuple[str | None, str]:
    payload_type = options.get("payloadType") or "application/json"
    payload = body.get("payload")
    if payload_type == "application/json":
        if "payload" not in body:
            return None, payload_type
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")), payload_type
    if isinstance(payload, str):
        return payload, payload_type
    if payload is None:
        return None, payload_type
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")), payload_type


def _ttl(options: Mapping[str, Any], env: Environment) -> str | None:
    if "ttl" in options:
        value = options["ttl"]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return stringify_duration(value)
        return str(value)
    return "10m" if env.type == "DEVELOPMENT" else None


def _ensure_queue(state: EmulatorState, conn: Any, env: Environment, name: str, kind: str) -> None:
    if state.store.get_queue(env.id, name) is None:
        queue_id, _ = state.ids.friendly("queue")
        state.store.put_queue(conn, QueueRow(env_id=env.id, name=name, id=queue_id, type=kind))


def version_known(state: EmulatorState, env: Environment, version: str) -> bool:
    """Whether a worker of ``env`` has ``version``: the local one, or a deployment's."""
    if version == LOCAL_WORKER_VERSION:
        return True
    return DeploymentStore(state.store).by_version(env.id, version) is not None


def trigger_run(
    state: EmulatorState,
    env: Environment,
    task_id: str,
    body: Mapping[str, Any],
    *,
    header_idempotency_key: str | None = None,
    header_idempotency_ttl: str | None = None,
    trigger_source: str | None = None,
    batch_id: str | None = None,
    replayed_from: str | None = None,
    schedule_id: str | None = None,
    created_at: int | None = None,
) -> TriggerOutcome:
    """Create a run (or find the one holding its idempotency key) and store it.

    A schedule's run names it (``schedule_id``, a ``sched_…`` id; its trigger source is
    ``schedule``) and is created at the occurrence's time (``created_at``), as on the server.

    Raises:
        TriggerError: 422 (too many tags), 413 (metadata too large), or 500 for a
            ``lockToVersion`` no worker has (measured on the server, SERVER.md §15).
    """
    options: Mapping[str, Any] = body.get("options") or {}
    locked = options.get("lockToVersion")
    if locked is not None and not version_known(state, env, locked):
        raise TriggerError(500, "Something went wrong")
    raw_tags = options.get("tags")
    if isinstance(raw_tags, list) and len(raw_tags) > MAX_TAGS:
        raise TriggerError(
            422, f"Runs can only have {MAX_TAGS} tags, you're trying to set {len(raw_tags)}."
        )
    tag_list = [raw_tags] if isinstance(raw_tags, str) else list(raw_tags or [])
    tags = tuple(dict.fromkeys(tag for tag in tag_list if tag.strip()))
    metadata, metadata_type = _serialize_metadata(options)
    payload, payload_type = _serialize_payload(body, options)

    now = state.now_ms()
    key = header_idempotency_key or options.get("idempotencyKey") or None
    ttl_ms = idempotency_ttl_ms(header_idempotency_ttl)
    if ttl_ms is None:
        ttl_ms = idempotency_ttl_ms(options.get("idempotencyKeyTTL"))
    key_expires = now + (ttl_ms if ttl_ms is not None else IDEMPOTENCY_DEFAULT_TTL_MS)
    key_options = options.get("idempotencyKeyOptions") or {}

    queue_option = options.get("queue")
    if isinstance(queue_option, Mapping) and queue_option.get("name"):
        queue_name, queue_kind = str(queue_option["name"]), "custom"
    else:
        spec = state.registry.get(task_id)
        if spec is not None and spec.queue:
            queue_name, queue_kind = spec.queue, "custom"
        else:
            queue_name, queue_kind = f"task/{task_id}", "task"

    delay = options.get("delay")
    if isinstance(delay, int):
        # A number was coerced to a date (Unix ms); a past one starts the run now.
        delay_until: int | None = delay if delay > now else None
    else:
        delay_until = parse_delay(delay, now)

    source = trigger_source if trigger_source in _TRIGGER_SOURCES else "api"
    if schedule_id is not None:
        source = "schedule"
    priority = options.get("priority")
    max_duration = options.get("maxDuration")

    with state.store.transaction() as conn:
        if key:
            existing = state.store.find_idempotent(env.id, task_id, key)
            if existing is not None:
                if not engine.idempotency_key_reusable(existing, now):
                    return TriggerOutcome(existing, True)
                cleared = msgspec.structs.replace(
                    existing,
                    idempotency_key=None,
                    idempotency_key_expires_at=None,
                )
                state.store.update_run(conn, cleared, existing)
        internal, friendly = state.ids.friendly("run")
        run = RunState(
            id=internal,
            friendly_id=friendly,
            env_id=env.id,
            task=task_id,
            status="DELAYED" if delay_until is not None else "PENDING",
            created_at=now if created_at is None else created_at,
            updated_at=now,
            payload=payload,
            payload_type=payload_type,
            metadata=metadata,
            metadata_type=metadata_type,
            seed_metadata=metadata,
            seed_metadata_type=metadata_type,
            tags=tags,
            idempotency_key=key,
            idempotency_key_user=key_options.get("key") if key else None,
            idempotency_key_scope=key_options.get("scope") if key else None,
            idempotency_key_expires_at=key_expires if key else None,
            queue=queue_name,
            concurrency_key=options.get("concurrencyKey"),
            concurrency=tuple(options["concurrency"]) if "concurrency" in options else None,
            machine=options.get("machine"),
            max_attempts=options.get("maxAttempts"),
            max_duration_s=min(float(max_duration), _MAX_DURATION_S) if max_duration else None,
            priority_ms=round(max(-_MAX_PRIORITY_S, min(float(priority), _MAX_PRIORITY_S)) * 1000)
            if priority is not None
            else 0,
            lock_to_version=options.get("lockToVersion"),
            region=options.get("region")
            or (env.id if env.type == "DEVELOPMENT" else DEFAULT_WORKER_GROUP),
            is_test=bool(options.get("test", False)),
            ttl=_ttl(options, env),
            delay_until=delay_until,
            queued_at=None if delay_until is not None else now,
            batch_id=batch_id,
            schedule_id=schedule_id,
            bulk_action_id=options.get("bulkActionId"),
            replayed_from=replayed_from,
            trigger_source=source,
            external_deployment_id=options.get("externalDeploymentId"),
        )
        run = offload_payload(state.store, conn, state.project, run)
        state.store.insert_run(conn, run)
        _ensure_queue(state, conn, env, queue_name, queue_kind)
    state.runtime.wake()
    return TriggerOutcome(run, False)


def run_token_headers(state: EmulatorState, env: Environment, run: RunState) -> dict[str, str]:
    """``x-trigger-jwt`` (1 h, ``read:runs`` + ``write:inputStreams`` of the run) and claims."""
    claims = {
        "sub": env.id,
        "pub": True,
        "scopes": [f"read:runs:{run.friendly_id}", f"write:inputStreams:{run.friendly_id}"],
    }
    token = jwt.sign(claims, env.api_key, now_s=state.now_ms() // 1000, lifetime_s=3600)
    return {
        "x-trigger-jwt-claims": json.dumps(claims, separators=(",", ":")),
        "x-trigger-jwt": token,
    }


def replay_body(run: RunState) -> dict[str, Any]:
    """The trigger body of a replay of ``run``: what the server copies (SERVER.md §2.3)."""
    options: dict[str, Any] = {"payloadType": run.payload_type, "test": run.is_test}
    if run.tags:
        options["tags"] = list(run.tags)
    if run.seed_metadata:
        options["metadata"] = decode_packet(run.seed_metadata, run.seed_metadata_type)
        options["metadataType"] = run.seed_metadata_type
    if not run.queue.startswith("task/"):
        options["queue"] = {"name": run.queue}
    for key, value in (
        ("concurrencyKey", run.concurrency_key),
        ("machine", run.machine),
        ("region", run.region),
    ):
        if value is not None:
            options[key] = value
    body: dict[str, Any] = {"options": options}
    if run.payload is not None:
        if run.payload_type == "application/json":
            body["payload"] = json.loads(run.payload)
        else:
            body["payload"] = run.payload
    return body
