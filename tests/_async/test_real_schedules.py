"""Against a real server: schedules (CRUD, activation, validation) and timezones.

Opt-in (docs/guides/real-server.md). Schedules are made for the project's scheduled task with a
deduplication key unique to the test, and deleted at the end; none fires during a test
(their cron times are at least an hour away or the schedule is deactivated first).
"""

from __future__ import annotations

import contextlib

import pytest

import trigger
from tests.real_server import NO_RETRY, settings, skip_unless_configured, unique
from trigger._paging import OffsetPagination

skip_unless_configured()
pytestmark = pytest.mark.anyio


async def delete_quietly(client: trigger.AsyncClient, schedule_id: str) -> None:
    with contextlib.suppress(trigger.NotFoundError):
        await client.schedules.delete(schedule_id, request_options=NO_RETRY)


async def test_schedule_lifecycle(real: trigger.AsyncClient) -> None:
    key = unique("sched")
    external = unique("user")
    created = await real.schedules.create(
        task=settings().scheduled_task,
        cron="0 3 * * *",
        deduplication_key=key,
        external_id=external,
        timezone="Europe/Paris",
    )
    try:
        assert created.id.startswith("sched_")
        assert created.type == "IMPERATIVE"
        assert created.task == settings().scheduled_task
        assert created.active is True
        assert created.generator.expression == "0 3 * * *"
        assert created.generator.description
        assert created.timezone == "Europe/Paris"
        assert created.external_id == external
        assert created.deduplication_key == key
        assert created.next_run is not None
        assert created.environments and created.environments[0].type == "DEVELOPMENT"

        fetched = await real.schedules.retrieve(created.id)
        assert fetched.id == created.id
        # The deduplication key names the schedule as well as its id.
        assert (await real.schedules.retrieve(key)).id == created.id

        # Creating again with the same deduplication key updates the same schedule.
        upserted = await real.schedules.create(
            task=settings().scheduled_task, cron="0 4 * * *", deduplication_key=key
        )
        assert upserted.id == created.id
        assert upserted.generator.expression == "0 4 * * *"

        updated = await real.schedules.update(
            created.id,
            task=settings().scheduled_task,
            cron="30 5 * * 1-5",
            external_id=external,
            timezone="America/New_York",
            window="30m",
        )
        assert updated.generator.expression == "30 5 * * 1-5"
        assert updated.timezone == "America/New_York"
        assert updated.window == "30m"

        off = await real.schedules.deactivate(created.id)
        assert off.active is False
        assert off.next_run is None
        on = await real.schedules.activate(created.id)
        assert on.active is True

        assert created.id in {each.id async for each in real.schedules.list(per_page=100)}

        deleted = await real.schedules.delete(created.id)
        assert deleted.id == created.id
        with pytest.raises(trigger.NotFoundError) as caught:
            await real.schedules.retrieve(created.id, request_options=NO_RETRY)
        assert caught.value.message == "Schedule not found"
    finally:
        await delete_quietly(real, created.id)


async def test_schedule_list_pages(real: trigger.AsyncClient) -> None:
    made = [
        await real.schedules.create(
            task=settings().scheduled_task,
            cron=f"{minute} 2 * * *",
            deduplication_key=unique(f"page-{minute}"),
        )
        for minute in (1, 2, 3)
    ]
    try:
        first = await real.schedules.list(per_page=2)
        assert len(first.data) == 2
        assert isinstance(first.pagination, OffsetPagination)
        assert first.pagination.current_page == 1
        assert first.pagination.total_pages >= 2
        assert first.has_next_page()
        second = await first.get_next_page()
        assert isinstance(second.pagination, OffsetPagination)
        assert second.pagination.current_page == 2
        assert not {each.id for each in first.data} & {each.id for each in second.data}
        back = await second.get_previous_page()
        assert [each.id for each in back.data] == [each.id for each in first.data]
    finally:
        for schedule in made:
            await delete_quietly(real, schedule.id)


async def test_schedule_validation_errors(real: trigger.AsyncClient) -> None:
    with pytest.raises(trigger.UnprocessableEntityError) as not_scheduled:
        await real.schedules.create(
            task=settings().task,
            cron="0 * * * *",
            deduplication_key=unique("bad-task"),
            request_options=NO_RETRY,
        )
    assert not_scheduled.value.message == (
        f"Task with identifier {settings().task} is not a scheduled task."
    )
    with pytest.raises(trigger.UnprocessableEntityError) as bad_cron:
        await real.schedules.create(
            task=settings().scheduled_task,
            cron="61 * * * *",
            deduplication_key=unique("bad-cron"),
            request_options=NO_RETRY,
        )
    assert bad_cron.value.message.startswith("Invalid cron expression: ")
    with pytest.raises(trigger.UnprocessableEntityError) as bad_zone:
        await real.schedules.create(
            task=settings().scheduled_task,
            cron="0 * * * *",
            deduplication_key=unique("bad-zone"),
            timezone="Mars/Olympus_Mons",
            request_options=NO_RETRY,
        )
    assert bad_zone.value.message.startswith("Invalid IANA timezone: 'Mars/Olympus_Mons'.")
    with pytest.raises(trigger.UnprocessableEntityError) as unknown_task:
        await real.schedules.create(
            task=unique("no-such-task"),
            cron="0 * * * *",
            deduplication_key=unique("bad-task"),
            request_options=NO_RETRY,
        )
    assert unknown_task.value.message.endswith("not found in project.")


async def test_unknown_schedule_is_not_found(real: trigger.AsyncClient) -> None:
    for call in (
        real.schedules.retrieve,
        real.schedules.delete,
        real.schedules.activate,
        real.schedules.deactivate,
    ):
        with pytest.raises(trigger.NotFoundError) as caught:
            await call("sched_doesnotexist00000000", request_options=NO_RETRY)
        assert caught.value.message == "Schedule not found"


async def test_schedules_refuse_a_wrong_key(real: trigger.AsyncClient) -> None:
    stranger = real.with_options(secret_key="tr_dev_unknownkeyunknownkey00")
    with pytest.raises(trigger.AuthenticationError) as caught:
        await stranger.schedules.list(request_options=NO_RETRY)
    assert caught.value.message == "Invalid or Missing API Key"


async def test_timezones_need_no_key(real: trigger.AsyncClient) -> None:
    zones = (await real.schedules.timezones()).timezones
    assert zones[0] == "UTC"
    assert "Europe/Paris" in zones
    without = (await real.schedules.timezones(exclude_utc=True)).timezones
    assert "UTC" not in without
    assert len(without) == len(zones) - 1
    # Public: a client whose key the server does not know still reads them.
    stranger = real.with_options(secret_key="tr_dev_unknownkeyunknownkey00")
    assert (await stranger.schedules.timezones()).timezones == zones
