"""Schedules that fire: on their cron, in their timezone, on the emulator's clock.

The expected runs follow the server's schedule engine (``internal-packages/schedule-engine``)
and cron-parser 4.9's occurrences (see tests/emulator/test_cron.py for the library check):
one run per occurrence, created at its nominal time, with the engine's payload.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
import httpx
import pytest

import trigger
from trigger.emulator import Emulator, SystemClock
from trigger.emulator.engine import schedules as engine

HOUR = timedelta(hours=1)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@contextmanager
def _virtual(start: datetime, **options: Any) -> Iterator[Emulator]:
    with Emulator(clock="virtual", start_time=start, **options) as emulator:
        emulator.declare_task("hourly-sync", scheduled=True)
        yield emulator


def _fired(emulator: Emulator, client: trigger.Client, schedule_id: str) -> list[dict[str, Any]]:
    """The schedule's runs, oldest first, as the API shows them."""
    runs = list(client.runs.list(schedule=schedule_id, limit=100))
    shown = [emulator.run(run.id) for run in reversed(runs)]
    assert all(run is not None for run in shown)
    return [run for run in shown if run is not None]


def _check_chain(runs: list[dict[str, Any]], times: list[datetime], **fields: Any) -> None:
    """Every run at its time, with the payload the server builds for it."""
    assert [run["createdAt"] for run in runs] == [_iso(moment) for moment in times]
    previous: str | None = None
    for index, run in enumerate(runs):
        payload = run["payload"]
        assert list(payload) == [
            "scheduleId",
            "type",
            "timestamp",
            "lastTimestamp",
            "externalId",
            "timezone",
            "upcoming",
        ]
        assert payload["timestamp"] == run["createdAt"]
        assert payload["lastTimestamp"] == previous
        for key, value in fields.items():
            assert payload[key] == value
        assert len(payload["upcoming"]) == 10
        if index + 1 < len(runs):
            assert payload["upcoming"][0] == runs[index + 1]["createdAt"]
        previous = payload["timestamp"]


def test_an_hourly_schedule_fires_168_times_over_a_week_across_spring_forward() -> None:
    start = _utc(2026, 3, 26, 0, 0)  # London moves to summer time on Sunday 29 March
    with _virtual(start) as emulator, emulator.client() as client:
        made = client.schedules.create(
            task="hourly-sync",
            cron="0 * * * *",
            deduplication_key="hourly-sync-acme",
            timezone="Europe/London",
            external_id="acct_acme",
        )
        now = emulator.advance(timedelta(days=7))
        assert now == start + timedelta(days=7)
        runs = _fired(emulator, client, made.id)
        assert len(runs) == 168
        times = [start + HOUR * (index + 1) for index in range(168)]
        _check_chain(
            runs,
            times,
            scheduleId=made.id,
            type="IMPERATIVE",
            externalId="acct_acme",
            timezone="Europe/London",
        )
        assert runs[0]["payload"]["upcoming"] == [
            _iso(start + HOUR * hours) for hours in range(2, 12)
        ]
        assert {run["taskIdentifier"] for run in runs} == {"hourly-sync"}
        # In London time the 29th has no 01:00: 23 runs that day.
        london = ZoneInfo("Europe/London")
        local = [
            datetime.fromisoformat(run["createdAt"].replace("Z", "+00:00")).astimezone(london)
            for run in runs
        ]
        sunday = [moment.hour for moment in local if moment.date().isoformat() == "2026-03-29"]
        assert sunday == [0, *range(2, 24)]
        # Nothing fires before its time: the next run is an hour away.
        assert client.schedules.retrieve(made.id).next_run == start + timedelta(days=7) + HOUR


def test_an_hourly_schedule_fires_twice_at_the_repeated_hour_of_fall_back() -> None:
    start = _utc(2026, 10, 29, 0, 0)  # New York leaves daylight time on Sunday 1 November
    with _virtual(start) as emulator, emulator.client() as client:
        made = client.schedules.create(
            task="hourly-sync",
            cron="0 * * * *",
            deduplication_key="hourly-sync-ny",
            timezone="America/New_York",
        )
        emulator.advance(timedelta(days=7))
        runs = _fired(emulator, client, made.id)
        assert len(runs) == 168
        _check_chain(
            runs,
            [start + HOUR * (index + 1) for index in range(168)],
            externalId=None,
            timezone="America/New_York",
        )
        new_york = ZoneInfo("America/New_York")
        local = [
            datetime.fromisoformat(run["createdAt"].replace("Z", "+00:00")).astimezone(new_york)
            for run in runs
        ]
        first = [moment.hour for moment in local if moment.date().isoformat() == "2026-11-01"]
        assert first == [0, 1, 1, *range(2, 24)]


def test_a_daily_schedule_keeps_its_local_time_across_daylight_saving() -> None:
    start = _utc(2026, 3, 25, 12, 0)
    with _virtual(start) as emulator, emulator.client() as client:
        made = client.schedules.create(
            task="hourly-sync",
            cron="0 9 * * *",
            deduplication_key="morning-report",
            timezone="Europe/London",
        )
        emulator.advance(timedelta(days=7))
        runs = _fired(emulator, client, made.id)
        # 09:00 GMT is 09:00 UTC; from 29 March 09:00 BST is 08:00 UTC.
        assert [run["createdAt"] for run in runs] == [
            "2026-03-26T09:00:00.000Z",
            "2026-03-27T09:00:00.000Z",
            "2026-03-28T09:00:00.000Z",
            "2026-03-29T08:00:00.000Z",
            "2026-03-30T08:00:00.000Z",
            "2026-03-31T08:00:00.000Z",
            "2026-04-01T08:00:00.000Z",
        ]
        assert runs[2]["payload"]["upcoming"][:2] == [
            "2026-03-29T08:00:00.000Z",
            "2026-03-30T08:00:00.000Z",
        ]


@pytest.mark.parametrize(
    ("cron", "start", "expected"),
    [
        # 02:30 does not exist on 8 March 2026 in New York: cron-parser (the server) keeps the
        # minutes and fires an hour later, 03:30 EDT.
        ("30 2 * * *", _utc(2026, 3, 7, 12, 0), ["2026-03-08T07:30:00.000Z",
                                                 "2026-03-09T06:30:00.000Z"]),
        # 01:30 happens twice on 1 November 2026: it fires once, at the first (EDT).
        ("30 1 * * *", _utc(2026, 10, 31, 12, 0), ["2026-11-01T05:30:00.000Z",
                                                  "2026-11-02T06:30:00.000Z"]),
    ],
)  # fmt: skip
def test_times_inside_daylight_saving_changes_fire_as_on_the_server(
    cron: str, start: datetime, expected: list[str]
) -> None:
    with _virtual(start) as emulator, emulator.client() as client:
        made = client.schedules.create(
            task="hourly-sync", cron=cron, deduplication_key="edge", timezone="America/New_York"
        )
        emulator.advance(timedelta(days=2))
        assert [run["createdAt"] for run in _fired(emulator, client, made.id)] == expected


def test_deactivate_activate_and_delete_midway() -> None:
    start = _utc(2026, 6, 1, 0, 0)
    with _virtual(start) as emulator, emulator.client() as client:
        made = client.schedules.create(
            task="hourly-sync", cron="0 * * * *", deduplication_key="toggled"
        )
        emulator.advance(3 * HOUR)
        assert client.schedules.deactivate(made.id).active is False
        emulator.advance(3 * HOUR)  # 04:00, 05:00, 06:00 are skipped
        assert len(_fired(emulator, client, made.id)) == 3
        client.schedules.activate(made.id)
        emulator.advance(2 * HOUR)
        runs = _fired(emulator, client, made.id)
        assert [run["createdAt"][11:16] for run in runs] == [
            "01:00",
            "02:00",
            "03:00",
            "07:00",
            "08:00",
        ]
        # The last fire stays the last one that triggered a run, not a skipped occurrence.
        assert runs[3]["payload"]["lastTimestamp"] == "2026-06-01T03:00:00.000Z"
        client.schedules.delete(made.id)
        emulator.advance(3 * HOUR)
        assert len(list(client.runs.list(task_identifier="hourly-sync"))) == 5


def test_upserts_reregister_only_when_the_timing_changes() -> None:
    start = _utc(2026, 6, 1, 12, 0)
    with _virtual(start) as emulator, emulator.client() as client:
        made = client.schedules.create(
            task="hourly-sync", cron="0 * * * *", deduplication_key="changing"
        )
        emulator.advance(2 * HOUR + timedelta(minutes=40))  # fired 13:00 and 14:00
        # Only the external id changes: the registration stands, the chain goes on, and the
        # fire reads the schedule as it is now.
        client.schedules.create(
            task="hourly-sync", cron="0 * * * *", deduplication_key="changing", external_id="v2"
        )
        emulator.advance(timedelta(minutes=30))
        third = _fired(emulator, client, made.id)[-1]["payload"]
        assert (third["timestamp"], third["lastTimestamp"], third["externalId"]) == (
            "2026-06-01T15:00:00.000Z",
            "2026-06-01T14:00:00.000Z",
            "v2",
        )
        # At 15:10 a new cron registers again from now, and (as on the server) reports the
        # new cron's previous slot as the last fire, though nothing fired at 14:15.
        client.schedules.update(made.id, task="hourly-sync", cron="15 * * * *")
        emulator.advance(HOUR)
        fourth = _fired(emulator, client, made.id)[-1]["payload"]
        assert (fourth["timestamp"], fourth["lastTimestamp"], fourth["externalId"]) == (
            "2026-06-01T15:15:00.000Z",
            "2026-06-01T14:15:00.000Z",
            None,
        )


def test_a_scheduled_run_shows_its_schedule() -> None:
    with _virtual(_utc(2026, 6, 1, 0, 0)) as emulator, emulator.client() as client:
        made = client.schedules.create(
            task="hourly-sync",
            cron="0 * * * *",
            deduplication_key="shown",
            external_id="acct_7",
        )
        emulator.advance(HOUR)
        [listed] = client.runs.list(schedule=made.id)
        run = client.runs.retrieve(listed.id)
        assert run.schedule is not None
        assert (run.schedule.id, run.schedule.external_id, run.schedule.deduplication_key) == (
            made.id,
            "acct_7",
            "shown",
        )
        assert run.schedule.generator is not None
        assert run.schedule.generator.expression == "0 * * * *"
        assert run.created_at == _utc(2026, 6, 1, 1, 0)
        headers = {"authorization": f"Bearer {emulator.secret_key}"}
        raw = httpx.get(f"{emulator.url}/api/v3/runs/{listed.id}", headers=headers).json()
        assert raw["schedule"] == {
            "id": made.id,
            "externalId": "acct_7",
            "deduplicationKey": "shown",
            "generator": {"type": "CRON", "expression": "0 * * * *", "description": "Every hour"},
        }
        assert raw["payload"]["scheduleId"] == made.id
        assert list(client.runs.list(schedule="sched_other")) == []
        client.schedules.delete(made.id)
        assert (
            "schedule"
            not in httpx.get(f"{emulator.url}/api/v3/runs/{listed.id}", headers=headers).json()
        )


def test_a_handler_receives_the_payload() -> None:
    received: list[Any] = []
    with _virtual(_utc(2026, 6, 1, 0, 0)) as emulator, emulator.client() as client:

        @emulator.task("nightly-cleanup", scheduled=True)
        def nightly_cleanup(payload: Any, ctx: Any) -> dict[str, str]:
            received.append((payload, ctx.payload_type))
            return {"cleaned": payload["timestamp"]}

        client.schedules.create(
            task="nightly-cleanup", cron="0 3 * * *", deduplication_key="cleanup"
        )
        emulator.advance(timedelta(days=2))
        assert [payload["timestamp"] for payload, _ in received] == [
            "2026-06-01T03:00:00.000Z",
            "2026-06-02T03:00:00.000Z",
        ]
        assert {kind for _, kind in received} == {"application/super+json"}
        [latest, _] = client.runs.list(task_identifier="nightly-cleanup")
        assert client.runs.retrieve(latest.id).output == {"cleaned": "2026-06-02T03:00:00.000Z"}


@pytest.mark.anyio
async def test_the_async_client_sees_fired_runs() -> None:
    with _virtual(_utc(2026, 6, 1, 0, 0)) as emulator:
        async with emulator.async_client() as client:
            made = await client.schedules.create(
                task="hourly-sync",
                cron="*/15 * * * *",
                deduplication_key="quarterly",
                timezone="Asia/Calcutta",  # ICU's canonical name, which the server wants
            )
            await anyio.to_thread.run_sync(emulator.advance, HOUR)
            runs = [run async for run in client.runs.list(schedule=made.id)]
            assert [run.created_at.minute for run in runs] == [0, 45, 30, 15]
            retrieved = await client.runs.retrieve(runs[0].id)
            assert retrieved.payload["timezone"] == "Asia/Calcutta"
            assert retrieved.payload["lastTimestamp"] == "2026-06-01T00:45:00.000Z"


def test_a_clock_jump_fires_one_late_occurrence_not_every_missed_one() -> None:
    start = _utc(2026, 6, 1, 0, 0)
    with _virtual(start) as emulator, emulator.client() as client:
        made = client.schedules.create(task="hourly-sync", cron="0 * * * *", deduplication_key="j")
        # A jump (not `advance`): as when the server was down, the occurrence due first fires
        # late and the ones missed after it are not replayed.
        emulator.clock.advance(5 * 3600 + 1800)  # type: ignore[attr-defined]
        emulator.advance(HOUR)
        runs = _fired(emulator, client, made.id)
        assert [run["createdAt"][11:16] for run in runs] == ["01:00", "06:00"]
        assert runs[0]["payload"]["upcoming"][0] == "2026-06-01T06:00:00.000Z"
        assert runs[1]["payload"]["lastTimestamp"] == "2026-06-01T01:00:00.000Z"


def test_schedules_keep_firing_after_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "emulator.db")
    start = _utc(2026, 6, 1, 0, 0)
    with _virtual(start, db=db) as emulator, emulator.client() as client:
        made = client.schedules.create(task="hourly-sync", cron="0 * * * *", deduplication_key="p")
        emulator.advance(2 * HOUR)
    # Down from 02:00 to 05:30: the 03:00 occurrence fires late, then 06:00.
    with _virtual(start + timedelta(hours=5, minutes=30), db=db) as emulator:
        with emulator.client() as client:
            emulator.advance(HOUR)
            runs = _fired(emulator, client, made.id)
    assert [run["createdAt"][11:16] for run in runs] == ["01:00", "02:00", "03:00", "06:00"]
    assert runs[3]["payload"]["lastTimestamp"] == "2026-06-01T03:00:00.000Z"
    # A schedule stored without its registration (an emulator that did not fire) gets one,
    # reporting the cron's previous slot as the last fire, as the server's recovery does.
    # closing(): a connection's own with-block commits but never closes it (3.13 warns).
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("DELETE FROM schedule_registrations")
    with _virtual(start + timedelta(hours=8, minutes=30), db=db) as emulator:
        with emulator.client() as client:
            emulator.advance(HOUR)
            recovered = _fired(emulator, client, made.id)[-1]["payload"]
    assert (recovered["timestamp"], recovered["lastTimestamp"]) == (
        "2026-06-01T09:00:00.000Z",
        "2026-06-01T08:00:00.000Z",
    )


def test_a_declarative_schedule_fires_with_its_type() -> None:
    with _virtual(_utc(2026, 6, 1, 0, 0)) as emulator, emulator.client() as client:
        schedule_id = emulator.declare_schedule(
            "daily-digest", "0 8 * * *", timezone="Europe/Paris"
        )
        assert "daily-digest" in emulator.declared_task_ids()
        again = emulator.declare_schedule("daily-digest", "0 7 * * *", timezone="Europe/Paris")
        assert again == schedule_id  # a sync updates it in place
        shown = client.schedules.retrieve(schedule_id)
        assert (shown.type, shown.deduplication_key, shown.external_id) == (
            "DECLARATIVE",
            None,
            None,
        )
        with pytest.raises(trigger.UnprocessableEntityError, match="declarative"):
            client.schedules.update(schedule_id, task="daily-digest", cron="0 9 * * *")
        emulator.advance(timedelta(days=1))
        [run] = _fired(emulator, client, schedule_id)
        assert run["createdAt"] == "2026-06-01T05:00:00.000Z"  # 07:00 in Paris (CEST)
        assert (run["payload"]["type"], run["payload"]["timezone"]) == (
            "DECLARATIVE",
            "Europe/Paris",
        )
        # In process, a run shows its schedule as the HTTP retrieve does.
        in_process = emulator.run(run["id"])
        assert in_process is not None and in_process["schedule"]["id"] == schedule_id
        with pytest.raises(ValueError, match="Invalid cron expression"):
            emulator.declare_schedule("daily-digest", "61 * * * *")
        with pytest.raises(ValueError, match="env must be one of"):
            emulator.declare_schedule("daily-digest", "0 7 * * *", env="qa")
        with pytest.raises(TypeError, match="cron must be a string"):
            emulator.declare_schedule("daily-digest", 7)  # type: ignore[arg-type]


def test_a_cron_that_never_matches_is_stored_and_answers_500() -> None:
    with _virtual(_utc(2026, 6, 1, 0, 0)) as emulator:
        headers = {"authorization": f"Bearer {emulator.secret_key}"}
        with httpx.Client(base_url=emulator.url, headers=headers) as http:
            body = {"task": "hourly-sync", "cron": "0 0 31 2,4 *", "deduplicationKey": "never"}
            response = http.post("/api/v1/schedules", json=body)
            assert (response.status_code, response.json()) == (
                500,
                {"error": "Something went wrong, please try again."},
            )
            [listed] = http.get("/api/v1/schedules").json()["data"]
            assert (listed["deduplicationKey"], listed["nextRun"]) == ("never", None)
            emulator.advance(timedelta(days=400))
            assert http.get("/api/v1/runs").json()["data"] == []


class _ShiftedClock(SystemClock):
    """Real time, shifted by an offset a test sets (a jump forward, before any schedule)."""

    def __init__(self) -> None:
        super().__init__()
        self.offset = 0

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset

    def shortly_before_a_minute(self, lead_ms: int) -> int:
        """Jump to ``lead_ms`` before the next minute; that minute (Unix ms)."""
        now = self.now_ms()
        minute = now // 60_000 * 60_000 + 60_000
        self.offset += minute - lead_ms - now
        return minute


def test_a_schedule_fires_in_real_time() -> None:
    clock = _ShiftedClock()
    with Emulator(clock=clock) as emulator, emulator.client() as client:
        minute = clock.shortly_before_a_minute(1500)
        made = client.schedules.create(
            task="every-minute", cron="* * * * *", deduplication_key="real"
        )
        at = datetime.fromtimestamp(minute / 1000, tz=timezone.utc)
        assert made.next_run == at
        deadline = time.monotonic() + 15
        runs: list[Any] = []
        while not runs and time.monotonic() < deadline:
            runs = list(client.runs.list(schedule=made.id))
            time.sleep(0.05)
        assert [run.created_at for run in runs] == [at]


# -- the pure engine ------------------------------------------------------------------------


def _schedule(**fields: Any) -> engine.ScheduleState:
    base: dict[str, Any] = {
        "id": "c1",
        "friendly_id": "sched_abc",
        "env_id": "env_1",
        "task": "hourly-sync",
        "cron": "0 * * * *",
        "description": "Every hour",
        "deduplication_key": "k",
        "user_provided_key": True,
        "timezone": "Europe/London",
        "created_at": 0,
    }
    return engine.ScheduleState(**{**base, **fields})


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_the_payload_packet_is_what_superjson_writes() -> None:
    # Both texts were written by superjson 2.2.1 (the server's) from the same objects.
    first = engine.payload_fields(
        _schedule(),
        _ms(_utc(2026, 10, 25, 1, 0)),
        None,
        [_ms(_utc(2026, 10, 25, 2 + hours, 0)) for hours in range(10)],
    )
    assert engine.payload_packet(first) == (
        '{"json":{"scheduleId":"sched_abc","type":"IMPERATIVE",'
        '"timestamp":"2026-10-25T01:00:00.000Z","lastTimestamp":null,"externalId":null,'
        '"timezone":"Europe/London","upcoming":["2026-10-25T02:00:00.000Z",'
        '"2026-10-25T03:00:00.000Z","2026-10-25T04:00:00.000Z","2026-10-25T05:00:00.000Z",'
        '"2026-10-25T06:00:00.000Z","2026-10-25T07:00:00.000Z","2026-10-25T08:00:00.000Z",'
        '"2026-10-25T09:00:00.000Z","2026-10-25T10:00:00.000Z","2026-10-25T11:00:00.000Z"]},'
        '"meta":{"values":{"timestamp":["Date"],"lastTimestamp":["undefined"],'
        '"externalId":["undefined"],"upcoming.0":["Date"],"upcoming.1":["Date"],'
        '"upcoming.2":["Date"],"upcoming.3":["Date"],"upcoming.4":["Date"],'
        '"upcoming.5":["Date"],"upcoming.6":["Date"],"upcoming.7":["Date"],'
        '"upcoming.8":["Date"],"upcoming.9":["Date"]}}}'
    )
    later = engine.payload_fields(
        _schedule(type="DECLARATIVE", external_id='acct_é"1'),
        _ms(_utc(2026, 10, 25, 1, 0)),
        _ms(_utc(2026, 10, 25, 0, 0)),
        [_ms(_utc(2026, 10, 25, 2, 0)), _ms(_utc(2026, 10, 25, 3, 0))],
    )
    assert engine.payload_packet(later) == (
        '{"json":{"scheduleId":"sched_abc","type":"DECLARATIVE",'
        '"timestamp":"2026-10-25T01:00:00.000Z","lastTimestamp":"2026-10-25T00:00:00.000Z",'
        '"externalId":"acct_é\\"1","timezone":"Europe/London",'
        '"upcoming":["2026-10-25T02:00:00.000Z","2026-10-25T03:00:00.000Z"]},'
        '"meta":{"values":{"timestamp":["Date"],"lastTimestamp":["Date"],'
        '"upcoming.0":["Date"],"upcoming.1":["Date"]}}}'
    )


def test_next_occurrence_chains_and_skips_what_expired() -> None:
    schedule = _schedule(cron="*/10 * * * *", window_kind="duration", window_amount=300)
    noon = _ms(_utc(2026, 6, 1, 12, 0))
    minute = 60_000
    on_time = engine.next_occurrence(schedule, after=noon, now=noon, secret="s")
    assert (on_time.nominal, on_time.fire_at) == (noon + 10 * minute, noon + 10 * minute)
    assert noon + 10 * minute <= on_time.effective < noon + 15 * minute  # the 5-minute window
    spread = engine.next_occurrence(schedule, after=noon, now=noon, secret="s", spread=True)
    assert spread.fire_at == spread.effective == on_time.effective
    # Late by 35 minutes: not 12:10, 12:20, 12:30 in a row, but the next one to come.
    late = engine.next_occurrence(schedule, after=noon, now=noon + 35 * minute, secret="s")
    assert late.nominal == noon + 40 * minute
    # With spread on, the latest occurrence whose shifted time is still ahead is taken.
    offset = on_time.effective - on_time.nominal
    just = noon + 30 * minute + offset // 2
    kept = engine.next_occurrence(schedule, after=noon, now=just, secret="s", spread=True)
    assert kept.nominal == noon + 30 * minute


def test_an_inactive_schedule_is_skipped_and_keeps_its_last_fire() -> None:
    noon = _ms(_utc(2026, 6, 1, 12, 0))
    registration = engine.Registration(nominal=noon, effective=noon, fire_at=noon, last=noon - 1)
    skipped = engine.fire(_schedule(active=False), registration, noon, "s")
    assert skipped.payload is None and skipped.registration is not None
    next_hour = noon + 3_600_000
    assert (skipped.registration.nominal, skipped.registration.fire_at) == (next_hour, next_hour)
    assert skipped.registration.last == noon - 1
    fired = engine.fire(_schedule(), registration, noon, "s")
    assert fired.payload is not None and fired.registration is not None
    assert fired.registration.last == noon
    assert fired.payload["lastTimestamp"] == "2026-06-01T11:59:59.999Z"
