"""Turning batch items into runs, and moving batches through their lifecycle.

Every item becomes a run through `trigger_run`, the trigger route's own logic, so per-item
task idempotency keys, tags, delays and TTLs behave as for single triggers. An item the
trigger refuses (more than 10 tags, metadata too large) or that was too large to read
becomes a pre-failed run, as on the server: ``SYSTEM_FAILURE`` with an ``INTERNAL_ERROR``
(``BATCH_ITEM_COULD_NOT_TRIGGER`` or ``PAYLOAD_TOO_LARGE``), listed in the batch's runs.

The one-shot endpoints create their batch and runs in one transaction. A sealed v3 batch is
processed by the runtime (`step`), a chunk of items per transaction, so its status shows
``PROCESSING`` for a moment as on the server; `step` also marks batches ``COMPLETED`` when
their last run is final.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from trigger.emulator.engine import batches as engine
from trigger.emulator.engine.batches import BatchState
from trigger.emulator.engine.runs import RunState
from trigger.emulator.project import Environment
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_batches import BatchStore
from trigger.emulator.triggering import TriggerError, trigger_run

__all__ = ["ItemOutcome", "run_item", "step"]

logger = logging.getLogger("trigger.emulator")

_CHUNK = 200
"""Items turned into runs per transaction (the next step takes the next chunk)."""

ItemOutcome = tuple[RunState, bool]
"""The run an item became, and whether an idempotency key found it (``isCached``)."""


def _normalized_payload(body: Mapping[str, Any]) -> dict[str, Any]:
    # The server parses a JSON payload sent as a string (pre-serialized by a client).
    out = dict(body)
    options = out.get("options") or {}
    if (options.get("payloadType") or "application/json") == "application/json" and isinstance(
        out.get("payload"), str
    ):
        with contextlib.suppress(ValueError):
            out["payload"] = json.loads(out["payload"])
    return out


def _failed_payload(body: Mapping[str, Any]) -> tuple[str | None, str]:
    options = body.get("options") or {}
    payload_type = options.get("payloadType") or "application/json"
    if "payload" not in body or body["payload"] is None:
        return None, payload_type
    payload = body["payload"]
    if isinstance(payload, str) and payload_type != "application/json":
        return payload, payload_type
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")), payload_type


def failed_run(
    state: EmulatorState,
    env: Environment,
    task: str,
    body: Mapping[str, Any],
    batch: BatchState,
    message: str,
    code: str,
) -> RunState:
    """Store a run that failed before it was triggered (the server's pre-failed run)."""
    now = state.now_ms()
    payload, payload_type = _failed_payload(body)
    internal, friendly = state.ids.friendly("run")
    run = RunState(
        id=internal,
        friendly_id=friendly,
        env_id=env.id,
        task=task,
        status="SYSTEM_FAILURE",
        created_at=now,
        updated_at=now,
        completed_at=now,
        payload=payload,
        payload_type=payload_type,
        queue=f"task/{task}",
        error={"type": "INTERNAL_ERROR", "code": code, "message": message},
        batch_id=batch.friendly_id,
        trigger_source=batch.trigger_source,
    )
    with state.store.transaction() as conn:
        state.store.insert_run(conn, run)
    return run


def run_item(
    state: EmulatorState,
    env: Environment,
    batch: BatchState,
    task: str,
    body: Mapping[str, Any],
    *,
    header_idempotency_key: str | None = None,
) -> ItemOutcome:
    """Start one item's run with the trigger logic (a pre-failed run if it is refused)."""
    normalized = _normalized_payload(body)
    try:
        outcome = trigger_run(
            state,
            env,
            task,
            normalized,
            header_idempotency_key=header_idempotency_key,
            trigger_source=batch.trigger_source,
            batch_id=batch.friendly_id,
        )
    except TriggerError as error:
        code = "BATCH_ITEM_COULD_NOT_TRIGGER"
        return failed_run(state, env, task, normalized, batch, error.message, code), False
    return outcome.run, outcome.is_cached


def _process_chunk(state: EmulatorState, batches: BatchStore, batch: BatchState) -> bool:
    """Turn the next chunk of a sealed batch's items into runs; whether it did anything."""
    env = state.project.env_by_id(batch.env_id)
    with state.store.transaction() as conn:
        current = batches.get_by_id(batch.id)
        if current is None or current.status != "PROCESSING":
            return False
        items = batches.unprocessed_items(batch.id, _CHUNK) if env is not None else []
        for index, text in items:
            assert env is not None
            item = json.loads(text)
            task = str(item.get("task", "unknown"))
            if "error" in item:
                message, code = str(item["error"]), str(item["errorCode"])
                run = failed_run(state, env, task, {}, current, message, code)
            else:
                run, _ = run_item(state, env, current, task, item)
            batches.set_item_run(conn, batch.id, index, run.friendly_id)
        if len(items) == _CHUNK:
            return True
        run_ids = tuple(batches.item_runs(batch.id))
        batches.update(conn, engine.processed(current, state.now_ms(), run_ids))
        batches.delete_items(conn, batch.id)
    return True


def step(state: EmulatorState, now: int) -> int | None:
    """The runtime's batch work: process sealed batches, complete finished ones.

    Returns ``None`` (no timer of its own): it wakes the runtime again after any work, so
    the next chunk, or the completion check of a batch just processed, follows at once.
    """
    batches = BatchStore(state.store)
    more = False
    for batch in batches.actionable():
        if batch.status == "PROCESSING":
            more = _process_chunk(state, batches, batch) or more
            continue
        with state.store.transaction() as conn:
            current = batches.get_by_id(batch.id)
            if current is not None:
                batches.update(conn, engine.complete(current, now))
    if more:
        state.runtime.wake()
    return None
