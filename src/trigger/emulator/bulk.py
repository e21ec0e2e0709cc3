"""Running bulk actions: selecting their runs, then cancelling or replaying a chunk at a time.

A selection is resolved as the run list resolves its filters (`Store.list_runs`, newest
first, by cursor), so a bulk action by filter acts on exactly the runs ``GET /api/v1/runs``
would list with the same filter. The runtime calls `step`; each due action handles its next
chunk of `CHUNK_SIZE` runs in one transaction (the runs and the action's counts commit
together), the next chunk `CHUNK_DELAY_MS` later on the emulator's clock.

- Cancel: a run that is not final is canceled (its handler is told to stop; its error reads
  ``Bulk action <id> cancelled run``) and counts as a success; a final run counts as a
  failure, as on the server. Canceled runs are tagged with the action (``filter[bulkAction]``).
- Replay: each run is replayed as ``POST /api/v1/runs/{id}/replay`` does; the new runs carry
  the action's id (and ``targetRegion`` when given).
"""

from __future__ import annotations

from typing import Any

import msgspec

from trigger.emulator.engine import bulk_actions as engine
from trigger.emulator.engine import runs as run_engine
from trigger.emulator.engine.bulk_actions import CHUNK_SIZE, BulkActionState, BulkSelection
from trigger.emulator.engine.runs import RunState
from trigger.emulator.project import Environment
from trigger.emulator.state import EmulatorState
from trigger.emulator.store import ListQuery, encode_cursor
from trigger.emulator.store_bulk_actions import BulkActionStore
from trigger.emulator.triggering import TriggerError, replay_body, trigger_run

__all__ = ["count_selected", "step"]

_COUNT_PAGE = 1000


def _query(env_id: str, selection: BulkSelection) -> ListQuery:
    def listed(values: tuple[str, ...] | None) -> list[str] | None:
        return list(values) if values is not None else None

    return ListQuery(
        env_id=env_id,
        statuses=listed(selection.statuses),
        tasks=listed(selection.tasks),
        versions=listed(selection.versions),
        tags=listed(selection.tags),
        bulk_action=selection.bulk_action,
        schedule=selection.schedule,
        is_test=selection.is_test,
        created_from=selection.created_from,
        created_to=selection.created_to,
        batch=selection.batch,
        queues=listed(selection.queues),
        regions=listed(selection.regions),
        machines=listed(selection.machines),
    )


def _page(
    state: EmulatorState,
    env_id: str,
    selection: BulkSelection,
    cursor: tuple[int, int] | None,
    size: int,
) -> tuple[list[RunState], tuple[int, int] | None, bool]:
    """The next runs of a selection after ``cursor``: ``(runs, cursor after them, more?)``."""
    if selection.run_ids is not None:
        start = cursor[0] if cursor else 0
        ids = selection.run_ids[start : start + size]
        runs = [run for run in (state.store.get_run(env_id, i) for i in ids) if run is not None]
        end = start + len(ids)
        return runs, (end, 0), end < len(selection.run_ids)
    after = encode_cursor(cursor[0], cursor[1], "") if cursor else None
    rows, more = state.store.list_runs(
        _query(env_id, selection), size=size, cursor=after, backward=False
    )
    last = (rows[-1][0].created_at, rows[-1][1]) if rows else cursor
    return [run for run, _ in rows], last, more


def count_selected(state: EmulatorState, env_id: str, selection: BulkSelection) -> int:
    """How many runs a selection names now (the action's ``counts.total``)."""
    if selection.run_ids is not None:
        return sum(state.store.get_run(env_id, i) is not None for i in selection.run_ids)
    total, cursor, more = 0, None, True
    while more:
        runs, cursor, more = _page(state, env_id, selection, cursor, _COUNT_PAGE)
        total += len(runs)
    return total


def _cancel(state: EmulatorState, action: BulkActionState, run: RunState, now: int) -> bool:
    current = state.store.get_run_by_id(run.id)
    if current is None or current.is_final:
        return False
    canceled = msgspec.structs.replace(
        run_engine.cancel(current, now),
        # The server cancels with the action as the reason, which becomes the run's error.
        error={"type": "STRING_ERROR", "raw": f"Bulk action {action.friendly_id} cancelled run"},
        bulk_action_id=action.friendly_id,
    )
    with state.store.transaction() as conn:
        state.store.update_run(conn, canceled, current)
    state.runtime.stop_handler(run.id)
    return True


def _replay(state: EmulatorState, env: Environment, action: BulkActionState, run: RunState) -> bool:
    body: dict[str, Any] = replay_body(run)
    body["options"]["bulkActionId"] = action.friendly_id
    if action.target_region:
        body["options"]["region"] = action.target_region
    try:
        trigger_run(state, env, run.task, body, replayed_from=run.friendly_id)
    except TriggerError:
        return False
    return True


def _run_chunk(state: EmulatorState, actions: BulkActionStore, action: BulkActionState) -> None:
    env = state.project.env_by_id(action.env_id)
    now = state.now_ms()
    with state.store.transaction() as conn:
        current = actions.get_by_id(action.id)
        if current is None or current.status != "PENDING":
            return
        runs, cursor, more = _page(
            state, current.env_id, current.selection, current.cursor, CHUNK_SIZE
        )
        succeeded = failed = 0
        for run in runs:
            if env is None:
                ok = False
            elif current.type == "CANCEL":
                ok = _cancel(state, current, run, now)
            else:
                ok = _replay(state, env, current, run)
            succeeded += ok
            failed += not ok
        updated = engine.record_chunk(
            current, now, succeeded=succeeded, failed=failed, cursor=cursor, finished=not more
        )
        actions.update(conn, updated)


def step(state: EmulatorState, now: int) -> int | None:
    """Run the due chunk of every pending bulk action; the next chunk's due time."""
    actions = BulkActionStore(state.store)
    next_due: int | None = None
    worked = False
    for action in actions.pending():
        due: int | None = action.next_chunk_at
        if due is None or due <= now:
            _run_chunk(state, actions, action)
            worked = True
            current = actions.get_by_id(action.id)
            due = current.next_chunk_at if current and current.status == "PENDING" else None
        if due is not None:
            next_due = due if next_due is None else min(next_due, due)
    if worked:
        state.runtime.wake()
    return next_due
