"""Against a real server: triggering, and everything `client.runs` does to the runs.

Opt-in (docs/guides/real-server.md). The dev worker executes `settings().task`, which answers
``{"greeting": "hi", "echo": payload}``. Every run carries a tag unique to the test, and
runs left unfinished are canceled.
"""

from __future__ import annotations

import contextlib
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import trigger
from tests.real_server import (
    NO_RETRY,
    requires,
    settings,
    skip_unless_configured,
    unique,
)
from trigger import _retry
from trigger.types.runs import ListedRun, Run

skip_unless_configured()
pytestmark = pytest.mark.anyio


def expected_output(payload: Any) -> dict[str, Any]:
    return {"greeting": "hi", "echo": payload}


async def run_to_end(client: trigger.AsyncClient, payload: Any = None, **options: Any) -> Run:
    """Trigger the worker's task and poll the run until it is final."""
    handle = await client.tasks.trigger(settings().task, payload, **options)
    return await client.runs.poll(handle.id, interval=0.5, timeout=settings().run_timeout)


async def listed(
    client: trigger.AsyncClient, expected: set[str], *, count: int = 0, **filters: Any
) -> list[ListedRun]:
    """The runs a filtered list returns, once it shows every run of ``expected`` (and at
    least ``count`` runs).

    The run list is read from a replica that trails the triggers by a second or so, and
    status changes by half a second: filter on the status a test expects.
    """
    deadline = time.monotonic() + settings().run_timeout
    while True:
        runs: list[ListedRun] = []
        async for run in client.runs.list(**filters):
            runs.append(run)
        if expected <= {run.id for run in runs} and len(runs) >= count:
            return runs
        if time.monotonic() > deadline:
            raise AssertionError(f"runs {expected} not listed within the timeout: {runs}")
        await _retry.async_sleep(0.5)


async def cancel_quietly(client: trigger.AsyncClient, *run_ids: str) -> None:
    for run_id in run_ids:
        with contextlib.suppress(trigger.APIError):
            await client.runs.cancel(run_id, request_options=NO_RETRY)


# -- trigger and retrieve --------------------------------------------------------------------


async def test_trigger_runs_to_completed_with_the_tasks_output(
    real: trigger.AsyncClient,
) -> None:
    tag = unique("complete")
    payload = {"name": "real", "n": 1}
    handle = await real.tasks.trigger(settings().task, payload, tags=tag)
    assert handle.id.startswith("run_")
    assert handle.is_cached is False
    assert handle.public_access_token

    run = await real.runs.poll(handle.id, interval=0.5, timeout=settings().run_timeout)

    assert run.id == handle.id
    assert run.status == "COMPLETED"
    assert (run.is_completed, run.is_success, run.is_failed) == (True, True, False)
    assert run.task_identifier == settings().task
    assert run.payload == payload
    assert run.output == expected_output(payload)
    assert run.tags == [tag]
    assert run.finished_at is not None and run.created_at is not None
    assert run.finished_at >= run.created_at
    assert run.attempt_count >= 1


async def test_trigger_options_reach_the_run(real: trigger.AsyncClient) -> None:
    tags = sorted([unique("opt-a"), unique("opt-b")])
    run = await run_to_end(
        real,
        {"options": True},
        tags=tags,
        metadata={"step": "one", "count": 1},
        ttl="30m",
        # A task's own queue is named "task/<id>" (a bare "<id>" parks the run).
        queue=f"task/{settings().task}",
        concurrency_key=unique("ck"),
        machine="small-1x",
        max_attempts=2,
        max_duration=60,
        priority=10,
        test=True,
    )
    assert run.status == "COMPLETED"
    assert run.is_test is True
    assert run.tags == tags
    assert run.metadata == {"step": "one", "count": 1}
    assert run.ttl == "30m"
    assert run.output == expected_output({"options": True})


async def test_trigger_without_ttl_gets_the_dev_default(real: trigger.AsyncClient) -> None:
    handle = await real.tasks.trigger(settings().task, {"ttl": "default"}, delay="1h")
    try:
        run = await real.runs.retrieve(handle.id)
        assert run.ttl == "10m"
    finally:
        await cancel_quietly(real, handle.id)


async def test_retrieve_decodes_a_superjson_payload_sent_for_a_datetime(
    real: trigger.AsyncClient,
) -> None:
    when = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)
    run = await run_to_end(real, {"when": when, "ids": {1, 2}})
    assert run.status == "COMPLETED"
    # The server hands back the superjson document's JSON part: dates as ISO strings.
    assert run.payload == {"when": "2024-05-01T12:30:00.000Z", "ids": [1, 2]}


async def test_retrieve_of_an_offloaded_payload_and_output_gives_the_values(
    real: trigger.AsyncClient,
) -> None:
    # 200 KiB: the SDK uploads the payload (>= 128 KiB) and the worker the echoing output.
    payload = {"blob": "x" * (200 * 1024)}
    run = await run_to_end(real, payload)
    assert run.status == "COMPLETED"
    assert run.payload_presigned_url and run.output_presigned_url
    assert run.payload == payload
    assert run.output == expected_output(payload)


async def test_retrieve_unknown_run_is_not_found(real: trigger.AsyncClient) -> None:
    with pytest.raises(trigger.NotFoundError) as caught:
        await real.runs.retrieve("run_doesnotexist0000000000", request_options=NO_RETRY)
    assert caught.value.status == 404
    assert caught.value.message in ("Not found", "Run not found")
    assert caught.value.headers.get("x-should-retry") == "true"


async def test_trigger_with_an_unknown_key_is_refused(real: trigger.AsyncClient) -> None:
    stranger = real.with_options(secret_key="tr_dev_unknownkeyunknownkey00")
    with pytest.raises(trigger.AuthenticationError) as caught:
        await stranger.tasks.trigger(settings().task, {}, request_options=NO_RETRY)
    assert caught.value.status == 401
    assert caught.value.message == "Invalid API key"


async def test_trigger_with_eleven_tags_is_refused_before_sending(
    real: trigger.AsyncClient,
) -> None:
    with pytest.raises(ValueError, match="tags"):
        await real.tasks.trigger(settings().task, {}, tags=[f"t{i}" for i in range(11)])


async def test_metadata_too_large_is_refused_by_the_server(real: trigger.AsyncClient) -> None:
    with pytest.raises(trigger.APIStatusError) as caught:
        await real.tasks.trigger(
            settings().task, {}, metadata={"big": "m" * 300_000}, request_options=NO_RETRY
        )
    assert caught.value.status == 413
    assert caught.value.message == "Metadata exceeds maximum size of 262144 bytes"


# -- idempotency -----------------------------------------------------------------------------


async def test_idempotency_key_returns_the_cached_run_until_reset(
    real: trigger.AsyncClient,
) -> None:
    key = unique("idem")
    first = await real.tasks.trigger(settings().task, {"try": 1}, idempotency_key=key)
    again = await real.tasks.trigger(settings().task, {"try": 2}, idempotency_key=key)
    assert first.is_cached is False
    assert again.is_cached is True
    assert again.id == first.id

    run = await real.runs.poll(first.id, interval=0.5, timeout=settings().run_timeout)
    assert run.idempotency_key == key  # the server shows the key as given
    assert run.payload == {"try": 1}

    reset = await real.idempotency_keys.reset(settings().task, key)
    assert reset.id == real.idempotency_keys.create(key)

    fresh = await real.tasks.trigger(settings().task, {"try": 3}, idempotency_key=key)
    assert fresh.is_cached is False
    assert fresh.id != first.id
    await real.runs.poll(fresh.id, interval=0.5, timeout=settings().run_timeout)


async def test_idempotency_key_is_per_task(real: trigger.AsyncClient) -> None:
    key = unique("idem-task")
    mine = await real.tasks.trigger(settings().task, {}, idempotency_key=key, delay="1h")
    other = await real.tasks.trigger(settings().scheduled_task, {}, idempotency_key=key, delay="1h")
    try:
        assert other.id != mine.id
        assert other.is_cached is False
    finally:
        await cancel_quietly(real, mine.id, other.id)


async def test_idempotency_key_with_a_ttl_expires(real: trigger.AsyncClient) -> None:
    key = unique("idem-ttl")
    first = await real.tasks.trigger(
        settings().task, {}, idempotency_key=key, idempotency_key_ttl="1s"
    )
    await real.runs.poll(first.id, interval=0.5, timeout=settings().run_timeout)
    await _retry.async_sleep(1.5)
    later = await real.tasks.trigger(settings().task, {}, idempotency_key=key)
    assert later.is_cached is False
    assert later.id != first.id
    await real.runs.poll(later.id, interval=0.5, timeout=settings().run_timeout)


async def test_reset_of_an_unused_key_is_not_found(real: trigger.AsyncClient) -> None:
    key = unique("idem-none")
    with pytest.raises(trigger.NotFoundError) as caught:
        await real.idempotency_keys.reset(settings().task, key, request_options=NO_RETRY)
    hashed = real.idempotency_keys.create(key)
    assert caught.value.message == (
        f"No runs found with idempotency key: {hashed} and task: {settings().task}"
    )


# -- list ------------------------------------------------------------------------------------


async def test_list_filters_and_pages(real: trigger.AsyncClient) -> None:
    tag = unique("list")
    runs = [await run_to_end(real, {"i": i}, tags=tag) for i in range(3)]
    ids = {run.id for run in runs}

    everything = await listed(real, ids, tag=tag, status="COMPLETED")
    assert {run.id for run in everything} == ids
    assert all(run.status == "COMPLETED" and run.tags == [tag] for run in everything)
    created = [run.created_at for run in everything if run.created_at is not None]
    assert len(created) == 3
    assert created == sorted(created, reverse=True)  # newest first
    assert everything[0].env is not None and everything[0].env.name == "dev"

    by_task = await real.runs.list(tag=tag, task_identifier=settings().task, status="COMPLETED")
    assert {run.id for run in by_task.data} == ids
    assert (await real.runs.list(tag=tag, status=["QUEUED", "FAILED"])).data == []
    assert (await real.runs.list(tag=tag, task_identifier=settings().scheduled_task)).data == []
    assert {run.id for run in (await real.runs.list(tag=tag, period="1h")).data} == ids
    since = datetime.now(timezone.utc) + timedelta(minutes=5)
    assert (await real.runs.list(tag=tag, from_=since)).data == []

    first = await real.runs.list(tag=tag, limit=2)
    assert len(first.data) == 2
    assert first.has_next_page()
    second = await first.get_next_page()
    assert len(second.data) == 1
    assert not second.has_next_page()
    assert {run.id for run in first.data + second.data} == ids
    assert second.has_previous_page()
    back = await second.get_previous_page()
    # The same page again, newest first like every page of runs.list (the server sends
    # pages fetched backwards oldest first).
    assert [run.id for run in back.data] == [run.id for run in first.data]


async def test_list_refuses_a_bad_status_filter_before_sending(
    real: trigger.AsyncClient,
) -> None:
    # The server would answer 400 "Query Error"; the SDK names the argument instead.
    with pytest.raises(ValueError, match="NOT_A_STATUS"):
        await real.runs.list(status="NOT_A_STATUS")  # type: ignore[arg-type]


@requires("pat", "project_ref")
async def test_list_a_projects_runs_with_a_personal_access_token(
    real: trigger.AsyncClient,
) -> None:
    tag = unique("pat-list")
    run = await run_to_end(real, {}, tags=tag)
    pat = real.with_options(secret_key=settings().pat)
    found = await listed(pat, {run.id}, tag=tag, project_ref=settings().project_ref, env="dev")
    assert [each.id for each in found] == [run.id]

    with pytest.raises(trigger.NotFoundError) as caught:
        await pat.runs.list(
            project_ref="proj_doesnotexist00000", env="dev", request_options=NO_RETRY
        )
    assert caught.value.message == "Project not found"


# -- cancel, reschedule, replay --------------------------------------------------------------


async def test_cancel_a_delayed_run(real: trigger.AsyncClient) -> None:
    handle = await real.tasks.trigger(settings().task, {}, delay="1h", tags=unique("cancel"))
    try:
        delayed = await real.runs.retrieve(handle.id)
        assert delayed.status == "DELAYED"
        assert delayed.is_queued is True
        assert delayed.delayed_until is not None

        canceled = await real.runs.cancel(handle.id)
        assert canceled.id == handle.id
        run = await real.runs.retrieve(handle.id)
        assert run.status == "CANCELED"
        assert (run.is_cancelled, run.is_completed, run.is_failed) == (True, True, True)
        # Canceling again changes nothing and is not an error.
        assert (await real.runs.cancel(handle.id)).id == handle.id
    finally:
        await cancel_quietly(real, handle.id)


async def test_cancel_unknown_run_is_not_found(real: trigger.AsyncClient) -> None:
    with pytest.raises(trigger.NotFoundError) as caught:
        await real.runs.cancel("run_doesnotexist0000000000", request_options=NO_RETRY)
    assert caught.value.message == "Resource not found"


async def test_reschedule_moves_a_delayed_run(real: trigger.AsyncClient) -> None:
    handle = await real.tasks.trigger(settings().task, {}, delay=timedelta(hours=1))
    try:
        before = await real.runs.retrieve(handle.id)
        assert before.status == "DELAYED" and before.delayed_until is not None
        at = datetime.now(timezone.utc) + timedelta(hours=3)
        moved = await real.runs.reschedule(handle.id, delay=at)
        assert moved.id == handle.id
        assert moved.status == "DELAYED"
        assert moved.delayed_until is not None
        assert abs((moved.delayed_until - at).total_seconds()) < 2
        moved_again = await real.runs.reschedule(handle.id, delay="2h")
        assert moved_again.delayed_until is not None
        assert moved_again.delayed_until < moved.delayed_until
    finally:
        await cancel_quietly(real, handle.id)


async def test_reschedule_of_a_finished_run_is_refused(real: trigger.AsyncClient) -> None:
    run = await run_to_end(real, {})
    with pytest.raises(trigger.BadRequestError) as caught:
        await real.runs.reschedule(run.id, delay="1h", request_options=NO_RETRY)
    assert caught.value.message == "Cannot reschedule a run that is not delayed"
    with pytest.raises(trigger.NotFoundError) as missing:
        await real.runs.reschedule(
            "run_doesnotexist0000000000", delay="1h", request_options=NO_RETRY
        )
    assert missing.value.message == "Run not found"


async def test_replay_starts_a_new_run_with_the_same_payload(real: trigger.AsyncClient) -> None:
    tag = unique("replay")
    original = await run_to_end(real, {"replay": 1}, tags=tag)
    replayed = await real.runs.replay(original.id)
    assert replayed.id != original.id
    run = await real.runs.poll(replayed.id, interval=0.5, timeout=settings().run_timeout)
    assert run.status == "COMPLETED"
    assert run.payload == {"replay": 1}
    assert run.output == expected_output({"replay": 1})
    assert run.tags == [tag]

    with pytest.raises(trigger.NotFoundError):
        await real.runs.replay("run_doesnotexist0000000000", request_options=NO_RETRY)


# -- tags and metadata -----------------------------------------------------------------------


async def test_add_tags(real: trigger.AsyncClient) -> None:
    first, second = unique("tag-a"), unique("tag-b")
    handle = await real.tasks.trigger(settings().task, {}, tags=first, delay="1h")
    try:
        added = await real.runs.add_tags(handle.id, [second])
        assert added.message == "Successfully set 1 new tags."
        again = await real.runs.add_tags(handle.id, second)
        assert again.message == "No new tags to add"
        assert (await real.runs.retrieve(handle.id)).tags == sorted([first, second])

        with pytest.raises(trigger.UnprocessableEntityError) as caught:
            await real.runs.add_tags(
                handle.id, [f"t{i}" for i in range(9)], request_options=NO_RETRY
            )
        assert caught.value.message.startswith(
            "Runs can only have 10 tags, you're trying to set 11."
        )
    finally:
        await cancel_quietly(real, handle.id)

    with pytest.raises(trigger.NotFoundError) as missing:
        await real.runs.add_tags("run_doesnotexist0000000000", "x", request_options=NO_RETRY)
    assert missing.value.message == "Run not found"


async def test_update_and_read_metadata(real: trigger.AsyncClient) -> None:
    handle = await real.tasks.trigger(
        settings().task, {}, delay="1h", metadata={"progress": 0, "items": []}
    )
    try:
        updated = await real.runs.update_metadata(
            handle.id,
            operations=[
                {"type": "set", "key": "progress", "value": 0.5},
                {"type": "increment", "key": "count", "value": 2},
                {"type": "append", "key": "items", "value": "a"},
            ],
        )
        assert updated.metadata == {"progress": 0.5, "count": 2, "items": ["a"]}
        replaced = await real.runs.update_metadata(handle.id, metadata={"fresh": True})
        assert replaced.metadata == {"fresh": True}

        stored = await real.runs.retrieve_metadata(handle.id)
        assert stored.metadata_type == "application/json"
        assert stored.metadata is not None and '"fresh"' in stored.metadata
        assert (await real.runs.retrieve(handle.id)).metadata == {"fresh": True}
    finally:
        await cancel_quietly(real, handle.id)

    with pytest.raises(trigger.NotFoundError) as missing:
        await real.runs.update_metadata(
            "run_doesnotexist0000000000", metadata={}, request_options=NO_RETRY
        )
    assert missing.value.message == "Task Run not found"


# -- events, trace, spans, result ------------------------------------------------------------


async def test_events_trace_and_span_of_a_finished_run(real: trigger.AsyncClient) -> None:
    run = await run_to_end(real, {"traced": True})
    trace = (await real.runs.trace(run.id)).trace
    assert trace.trace_id
    root = trace.root_span
    assert root.id
    span = await real.runs.retrieve_span(run.id, root.id)
    assert span.span_id == root.id

    events = (await real.runs.events(run.id)).events
    assert all(event.span_id for event in events)

    with pytest.raises(trigger.NotFoundError) as caught:
        await real.runs.retrieve_span(run.id, "0000000000000000", request_options=NO_RETRY)
    assert caught.value.message == "Span not found"
    with pytest.raises(trigger.NotFoundError):
        await real.runs.trace("run_doesnotexist0000000000", request_options=NO_RETRY)


async def test_result_of_a_completed_run(real: trigger.AsyncClient) -> None:
    run = await run_to_end(real, {"result": 1})
    result = await real.runs.result(run.id)
    assert result is not None, "runs.result() gave None for a COMPLETED run"
    assert result.ok is True
    assert result.json_output() == expected_output({"result": 1})


async def test_result_of_a_canceled_run(real: trigger.AsyncClient) -> None:
    handle = await real.tasks.trigger(settings().task, {}, delay="1h")
    await real.runs.cancel(handle.id)
    result = await real.runs.result(handle.id)
    assert result is not None
    assert result.id == handle.id
    assert result.ok is False
    assert result.error is not None


async def test_result_of_an_unfinished_or_unknown_run_is_none(
    real: trigger.AsyncClient,
) -> None:
    handle = await real.tasks.trigger(settings().task, {}, delay="1h")
    try:
        assert await real.runs.result(handle.id) is None
    finally:
        await cancel_quietly(real, handle.id)
    assert await real.runs.result("run_doesnotexist0000000000") is None


async def test_poll_gives_up_after_its_timeout(real: trigger.AsyncClient) -> None:
    handle = await real.tasks.trigger(settings().task, {}, delay="1h")
    try:
        with pytest.raises(trigger.PollTimeoutError) as caught:
            await real.runs.poll(handle.id, interval=0.2, timeout=0.5)
        assert caught.value.run_id == handle.id
        assert caught.value.last_status == "DELAYED"
    finally:
        await cancel_quietly(real, handle.id)


# -- public tokens ---------------------------------------------------------------------------


async def test_public_tokens_read_only_their_runs(real: trigger.AsyncClient) -> None:
    mine = await real.tasks.trigger(settings().task, {"mine": 1}, delay="1h")
    other = await real.tasks.trigger(settings().task, {"other": 1}, delay="1h")
    try:
        # The token the trigger answered with reads its own run.
        assert mine.public_access_token
        as_trigger_token = real.with_options(secret_key=mine.public_access_token)
        assert (await as_trigger_token.runs.retrieve(mine.id)).payload == {"mine": 1}

        token = await real.auth.create_public_token(
            scopes=f"read:runs:{mine.id}", expiration_time="10m"
        )
        scoped = real.with_options(secret_key=token)
        assert (await scoped.runs.retrieve(mine.id)).id == mine.id
        with pytest.raises(trigger.PermissionDeniedError) as caught:
            await scoped.runs.retrieve(other.id, request_options=NO_RETRY)
        assert caught.value.message == "Unauthorized"
        assert isinstance(caught.value.body, dict)
        assert caught.value.body.get("code") == "unauthorized"

        # A public token is not an API key: key-only routes refuse it.
        with pytest.raises(trigger.AuthenticationError) as refused:
            await scoped.runs.replay(mine.id, request_options=NO_RETRY)
        assert refused.value.message == "Invalid API key"
    finally:
        await cancel_quietly(real, mine.id, other.id)


async def test_trigger_token_triggers_only_its_task(real: trigger.AsyncClient) -> None:
    token = await real.auth.create_trigger_public_token(
        settings().task, multiple_use=True, expiration_time="10m"
    )
    browser = real.with_options(secret_key=token)
    handle = await browser.tasks.trigger(settings().task, {"from": "browser"}, delay="1h")
    try:
        assert (await real.runs.retrieve(handle.id)).payload == {"from": "browser"}
        with pytest.raises(trigger.PermissionDeniedError):
            await browser.tasks.trigger(
                settings().scheduled_task, {}, delay="1h", request_options=NO_RETRY
            )
    finally:
        await cancel_quietly(real, handle.id)


async def test_jwt_claims(real: trigger.AsyncClient) -> None:
    claims = await real.auth.retrieve_jwt_claims()
    assert claims.pub is True
    assert claims.sub


# -- other environments ----------------------------------------------------------------------


@requires("prod_key")
async def test_prod_runs_are_accepted_and_stay_queued(real: trigger.AsyncClient) -> None:
    prod = real.with_options(secret_key=settings().prod_key)
    handle = await prod.tasks.trigger(settings().task, {"env": "prod"}, tags=unique("prod"))
    try:
        run = await prod.runs.retrieve(handle.id)
        assert run.status in ("QUEUED", "PENDING_VERSION")
        # The run belongs to prod: the dev key does not see it.
        with pytest.raises(trigger.NotFoundError):
            await real.runs.retrieve(handle.id, request_options=NO_RETRY)
    finally:
        await cancel_quietly(prod, handle.id)
    assert (await prod.runs.retrieve(handle.id)).status == "CANCELED"


@requires("staging_key")
async def test_staging_key_lists_its_own_runs(real: trigger.AsyncClient) -> None:
    staging = real.with_options(secret_key=settings().staging_key)
    page = await staging.runs.list(limit=5)
    assert all(run.env is None or run.env.name == "stg" for run in page.data)


@requires("preview_key")
async def test_preview_key_needs_a_branch(real: trigger.AsyncClient) -> None:
    preview = real.with_options(secret_key=settings().preview_key)
    with pytest.raises(trigger.AuthenticationError) as caught:
        await preview.runs.list(limit=1, request_options=NO_RETRY)
    assert caught.value.message == "x-trigger-branch header required for preview env"
    missing = preview.with_options(preview_branch=unique("no-such-branch"))
    with pytest.raises(trigger.AuthenticationError) as unknown:
        await missing.runs.list(limit=1, request_options=NO_RETRY)
    assert unknown.value.message == "No matching branch env"


@requires("preview_key", "preview_branch")
async def test_preview_branch_lists_runs(real: trigger.AsyncClient) -> None:
    branch = real.with_options(
        secret_key=settings().preview_key, preview_branch=settings().preview_branch
    )
    page = await branch.runs.list(limit=5)
    assert all(run.env is None or run.env.name == "preview" for run in page.data)


# -- bulk actions ----------------------------------------------------------------------------


async def test_bulk_cancel_by_ids(real: trigger.AsyncClient) -> None:
    tag = unique("bulk-cancel")
    handles = [
        await real.tasks.trigger(settings().task, {"i": i}, delay="1h", tags=tag) for i in range(2)
    ]
    ids = {handle.id for handle in handles}
    try:
        # Bulk actions select runs through the same replica the list reads.
        await listed(real, ids, tag=tag)
        name = unique("bulk")
        created = await real.runs.bulk.cancel(run_ids=sorted(ids), name=name)
        assert created.id.startswith("bulk_")
        done = await real.runs.bulk.poll(created.id, interval=0.5, timeout=settings().run_timeout)
        assert done.status == "COMPLETED"
        assert done.type == "CANCEL"
        assert done.name == name
        assert done.counts.total == 2
        for run_id in ids:
            assert (await real.runs.retrieve(run_id)).status == "CANCELED"
        assert created.id in [each.id for each in (await real.runs.bulk.list(limit=10)).data]

        with pytest.raises(trigger.ConflictError) as caught:
            await real.runs.bulk.abort(created.id, request_options=NO_RETRY)
        assert caught.value.message == f"Bulk action group already completed: {created.id}"
    finally:
        await cancel_quietly(real, *ids)


async def test_bulk_replay_by_ids(real: trigger.AsyncClient) -> None:
    tag = unique("bulk-replay")
    original = await run_to_end(real, {"bulk": "replay"}, tags=tag)
    await listed(real, {original.id}, tag=tag)
    created = await real.runs.bulk.replay(run_ids=original.id)
    done = await real.runs.bulk.poll(created.id, interval=0.5, timeout=settings().run_timeout)
    assert done.status == "COMPLETED"
    assert done.type == "REPLAY"
    assert (done.counts.total, done.counts.success) == (1, 1)
    runs = await listed(real, {original.id}, count=2, tag=tag)
    replays = [run for run in runs if run.id != original.id]
    assert len(replays) == 1
    finished = await real.runs.poll(replays[0].id, interval=0.5, timeout=settings().run_timeout)
    assert finished.payload == {"bulk": "replay"}


async def test_bulk_action_errors(real: trigger.AsyncClient) -> None:
    with pytest.raises(trigger.NotFoundError) as caught:
        await real.runs.bulk.retrieve("bulk_doesnotexist000000000", request_options=NO_RETRY)
    assert caught.value.message == "Not found"
    assert caught.value.headers.get("x-should-retry") == "false"
    with pytest.raises(trigger.NotFoundError) as abort:
        await real.runs.bulk.abort("bulk_doesnotexist000000000", request_options=NO_RETRY)
    assert abort.value.message == "Resource not found"
