"""Schedules and timezones through the SDK and raw HTTP, against what the real server answered."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, ManualClock


def test_schedule_lifecycle_through_the_sdk(trigger_client: trigger.Client) -> None:
    created = trigger_client.schedules.create(
        task="nightly",
        cron="0 9 * * 1-5",
        deduplication_key="nightly-report",
        external_id="user_1",
        timezone="America/New_York",
    )
    assert created.id.startswith("sched_")
    assert (created.type, created.task, created.active) == ("IMPERATIVE", "nightly", True)
    assert created.generator.expression == "0 9 * * 1-5"
    assert created.generator.description == "At 09:00 AM, Monday through Friday"
    assert created.deduplication_key == "nightly-report"
    assert created.external_id == "user_1"
    assert created.next_run is not None
    # 09:00 in New York is 14:00 or 13:00 UTC, on a weekday.
    assert created.next_run.astimezone(timezone.utc).hour in (13, 14)
    assert created.next_run.weekday() < 5

    again = trigger_client.schedules.create(
        task="nightly", cron="30 10 * * *", deduplication_key="nightly-report"
    )
    assert again.id == created.id  # the deduplication key upserts
    assert (again.timezone, again.external_id) == ("UTC", None)

    by_key = trigger_client.schedules.retrieve("nightly-report")
    assert by_key.id == created.id
    assert by_key.generator.description == "At 10:30 AM"

    off = trigger_client.schedules.deactivate(created.id)
    assert (off.active, off.next_run) == (False, None)
    assert trigger_client.schedules.activate(created.id).next_run is not None

    updated = trigger_client.schedules.update(
        created.id, task="other", cron="*/5 * * * *", timezone="Europe/Paris", window="2m"
    )
    assert updated.task == "nightly"  # the server validates the task but does not change it
    assert (updated.timezone, updated.window) == ("Europe/Paris", "2m")

    listed = list(trigger_client.schedules.list(per_page=10))
    assert [schedule.id for schedule in listed] == [created.id]
    assert trigger_client.schedules.delete(created.id).id == created.id
    with pytest.raises(trigger.NotFoundError):
        trigger_client.schedules.retrieve(created.id)


@pytest.mark.anyio
async def test_async_client_pages_and_timezones(
    trigger_async_client: trigger.AsyncClient,
) -> None:
    for index in range(3):
        await trigger_async_client.schedules.create(
            task="t", cron="0 0 * * *", deduplication_key=f"k{index}"
        )
    page = await trigger_async_client.schedules.list(per_page=2)
    assert [item.deduplication_key for item in page.data] == ["k2", "k1"]
    everything = [item async for item in trigger_async_client.schedules.list(per_page=2)]
    assert [item.deduplication_key for item in everything] == ["k2", "k1", "k0"]

    zones = await trigger_async_client.schedules.timezones()
    assert zones.timezones[0] == "UTC"
    assert "America/New_York" in zones.timezones
    assert "Asia/Calcutta" in zones.timezones  # ICU's canonical names, as the server lists them
    without = await trigger_async_client.schedules.timezones(exclude_utc=True)
    assert "UTC" not in without.timezones


def test_put_on_an_unknown_id_creates_a_schedule(http: httpx.Client) -> None:
    response = http.put("/api/v1/schedules/sched_unknown", json={"task": "t", "cron": "0 * * * *"})
    assert response.status_code == 200
    body = response.json()
    assert body["id"].startswith("sched_") and body["id"] != "sched_unknown"
    assert "deduplicationKey" not in body  # a random key the caller never gave
    assert list(body) == [
        "id",
        "type",
        "task",
        "active",
        "generator",
        "timezone",
        "environments",
        "nextRun",
        "nextRunEffectiveAt",
    ]
    [env] = body["environments"]
    assert list(env) == ["id", "shortcode", "type", "userName"]


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("* * * * * *", "CRON expressions with seconds are not allowed"),
        ("", "CRON expression is required"),
        ("61 * * * *", "Constraint error, got value 61 expected range 0-59"),
        ("abc", 'Validation error, cannot resolve alias "abc"'),
        ("0 0 31 2 *", "Invalid explicit day of month definition"),
        ("0 0 * * 8", "Constraint error, got value 8 expected range 0-7"),
        ("5-1 * * * *", "Invalid range: 5-1"),
        ("*/0 * * * *", "Constraint error, cannot repeat at every 0 time."),
        ("0 0 * * 1#6", "Constraint error, invalid dayOfWeek occurrence number (#)"),
        ("1,,2 * * * *", "Invalid list value format"),
        ("0 0 1-2#2 * *", "Invalid characters, got value: 1-2#2"),
        ("60-70 * * * *", "Constraint error, got range 60-70 expected range 0-59"),
        ("L * * * *", "Invalid characters, got value: L"),
    ],
)
def test_cron_errors_match_the_server(http: httpx.Client, cron: str, message: str) -> None:
    response = http.post(
        "/api/v1/schedules", json={"task": "t", "cron": cron, "deduplicationKey": "k"}
    )
    assert response.status_code == 422
    assert response.json() == {"error": f"Invalid cron expression: {message}"}


def test_validation_and_not_found_bodies(trigger_emulator: Emulator, http: httpx.Client) -> None:
    empty = http.post("/api/v1/schedules", json={})
    assert empty.status_code == 400
    assert empty.json()["error"] == "Invalid request body"
    assert [issue["path"] for issue in empty.json()["issues"]] == [
        ["task"],
        ["cron"],
        ["deduplicationKey"],
    ]
    window = http.post(
        "/api/v1/schedules",
        json={"task": "t", "cron": "0 0 * * *", "deduplicationKey": "k", "window": "25h"},
    )
    assert window.json() == {
        "error": "Invalid request body",
        "issues": [
            {
                "code": "custom",
                "message": "Schedule window duration cannot exceed 24 hours",
                "path": ["window"],
            }
        ],
    }
    zone = http.post(
        "/api/v1/schedules",
        json={"task": "t", "cron": "0 0 * * *", "deduplicationKey": "k", "timezone": "Mars/X"},
    )
    assert zone.status_code == 422
    assert zone.json()["error"] == (
        "Invalid IANA timezone: 'Mars/X'. View the list of valid timezones at "
        f"{trigger_emulator.url}/timezones"
    )
    predefined = http.post(
        "/api/v1/schedules", json={"task": "t", "cron": "@daily", "deduplicationKey": "k"}
    )
    # cron-parser accepts it but the server's describer throws.
    assert predefined.status_code == 500
    assert predefined.json() == {"error": "Something went wrong, please try again."}
    not_json = http.post("/api/v1/schedules", content=b"nope")
    assert (not_json.status_code, not_json.text) == (500, "Unexpected Server Error")
    for method, path in (
        ("GET", "/api/v1/schedules/sched_nope"),
        ("DELETE", "/api/v1/schedules/whatever"),
        ("POST", "/api/v1/schedules/sched_nope/activate"),
    ):
        response = http.request(method, path)
        assert (response.status_code, response.json()) == (404, {"error": "Schedule not found"})
    query = http.get("/api/v1/schedules", params={"perPage": "abc", "page": "-1"})
    assert query.status_code == 400
    assert query.json()["error"] == "Invalid request parameters"
    assert [issue["path"] for issue in query.json()["issues"]] == [["page"], ["perPage"]]
    wrong_method = http.get("/api/v1/schedules/x/activate")
    assert wrong_method.json() == {"message": "Unexpected Server Error"}
    legacy = http.put("/api/v1/schedules")
    assert (legacy.status_code, legacy.json()) == (
        200,
        {"status": 405, "body": "Method Not Allowed"},
    )
    key = http.get("/api/v1/schedules", headers={"authorization": "Bearer nope"})
    assert (key.status_code, key.json()) == (401, {"error": "Invalid or Missing API Key"})


def test_schedules_belong_to_one_environment(trigger_emulator: Emulator) -> None:
    with trigger_emulator.client() as dev, trigger_emulator.client("prod") as prod:
        made = dev.schedules.create(task="t", cron="0 0 * * *", deduplication_key="shared")
        with pytest.raises(trigger.NotFoundError):
            prod.schedules.retrieve(made.id)
        assert list(prod.schedules.list()) == []
        # An upsert with the key from another environment moves the schedule there.
        moved = prod.schedules.create(task="t", cron="0 1 * * *", deduplication_key="shared")
        assert moved.id == made.id
        assert moved.environments[0].type == "PRODUCTION"
        with pytest.raises(trigger.NotFoundError):
            dev.schedules.retrieve(made.id)


def test_reset_forgets_schedules(trigger_emulator: Emulator, http: httpx.Client) -> None:
    http.post("/api/v1/schedules", json={"task": "t", "cron": "0 0 * * *", "deduplicationKey": "k"})
    trigger_emulator.reset()
    assert http.get("/api/v1/schedules").json()["pagination"]["count"] == 0


def test_next_run_follows_the_clock() -> None:
    start = int(datetime(2026, 3, 7, 12, 0, tzinfo=timezone.utc).timestamp() * 1000)
    with Emulator(clock=ManualClock(start)) as emulator, emulator.client() as client:
        made = client.schedules.create(
            task="t", cron="30 2 * * *", deduplication_key="k", timezone="America/New_York"
        )
        assert made.next_run == datetime(2026, 3, 8, 7, 30, tzinfo=timezone.utc)
        # 2:30 does not exist on 2026-03-08 in New York; after that day it is 06:30 UTC.
        emulator.clock.advance(2 * 86400)  # type: ignore[attr-defined]
        later = client.schedules.retrieve(made.id)
        assert later.next_run == datetime(2026, 3, 10, 6, 30, tzinfo=timezone.utc)
        assert later.next_run_effective_at is not None
        offset = (later.next_run_effective_at - later.next_run).total_seconds()
        assert 0 <= offset < 60  # a stable shift within the one-minute minimum range


def test_schedules_name_declared_scheduled_tasks_once_any_task_is_declared(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    body = {"cron": "0 * * * *", "deduplicationKey": "k1"}
    # Nothing declared: any task id is accepted (an emulator used for schedules alone).
    assert http.post("/api/v1/schedules", json={**body, "task": "anything"}).status_code == 200
    trigger_emulator.register("hello", lambda payload: None)
    trigger_emulator.declare_task("nightly", scheduled=True)

    @trigger_emulator.task("hourly", scheduled=True)
    def hourly(payload: object) -> None:
        return None

    unknown = http.post("/api/v1/schedules", json={**body, "task": "no-such-task"})
    assert (unknown.status_code, unknown.json()) == (
        422,
        {"error": "Task with identifier no-such-task not found in project."},
    )
    plain = http.post("/api/v1/schedules", json={**body, "task": "hello"})
    assert (plain.status_code, plain.json()) == (
        422,
        {"error": "Task with identifier hello is not a scheduled task."},
    )
    # The cron is checked first, as on the server.
    bad_cron = http.post(
        "/api/v1/schedules", json={**body, "task": "no-such-task", "cron": "61 * * * *"}
    )
    assert (bad_cron.status_code, bad_cron.json()["error"][:23]) == (422, "Invalid cron expression")
    made = trigger_client.schedules.create(task="hourly", cron="0 * * * *", deduplication_key="k2")
    assert made.task == "hourly"
    declared = trigger_client.schedules.create(
        task="nightly", cron="0 0 * * *", deduplication_key="k3"
    )
    assert declared.task == "nightly"
    with pytest.raises(trigger.UnprocessableEntityError, match="not a scheduled task"):
        trigger_client.schedules.update(made.id, task="hello", cron="0 * * * *")
    assert trigger_emulator.declared_task_ids() == ["nightly"]
    with pytest.raises(TypeError, match="scheduled must be a bool"):
        trigger_emulator.declare_task("x", scheduled="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="task_id"):
        trigger_emulator.declare_task("")


def test_an_empty_timezone_is_kept_as_the_server_keeps_it(http: httpx.Client) -> None:
    # The server checks a timezone only when it is not empty, then stores `timezone ?? "UTC"`.
    body = {"task": "t", "cron": "0 9 * * *", "deduplicationKey": "k", "timezone": ""}
    made = http.post("/api/v1/schedules", json=body)
    assert (made.status_code, made.json()["timezone"]) == (200, "")
    assert made.json()["nextRun"].endswith("T09:00:00.000Z")  # evaluated as UTC
    again = http.put(
        f"/api/v1/schedules/{made.json()['id']}", json={"task": "t", "cron": "0 9 * * *"}
    )
    assert again.json()["timezone"] == "UTC"
