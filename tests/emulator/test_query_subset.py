"""Every construct of the emulator's TRQL subset, over runs made through the SDK."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, ManualClock, RetryPolicy
from trigger.emulator.engine.query import SUPPORTED

START = datetime(2026, 3, 10, 12, 0, 0, tzinfo=timezone.utc)
DAY = 86_400


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Emulator, ManualClock, dict[str, str]]]:
    """Runs of three tasks, made through the SDK over nine virtual days."""
    clock = ManualClock(int(START.timestamp() * 1000))
    with Emulator(clock=clock) as emulator:

        @emulator.task("charge", retry=RetryPolicy(max_attempts=1))
        def charge(payload: dict[str, Any]) -> None:
            raise ValueError(f"card {payload['card']} declined")

        @emulator.task("ship")
        def ship(payload: dict[str, Any]) -> dict[str, Any]:
            return {"parcel": payload["parcel"], "carrier": "dhl"}

        ids: dict[str, str] = {}
        with emulator.client() as client:
            # Nine days ago: outside the default window of 7 days.
            ids["old"] = client.tasks.trigger("ship", {"parcel": 1}, tags=["eu"]).id
            emulator.wait_for_run(ids["old"])
            clock.advance(9 * DAY)
            for name, task, payload, tags in (
                ("ship-eu", "ship", {"parcel": 2}, ["eu", "priority"]),
                ("ship-us", "ship", {"parcel": 3}, ["us"]),
                ("charge-1", "charge", {"card": "4242"}, ["eu"]),
                ("charge-2", "charge", {"card": "5555"}, ["us", "retry, later"]),
            ):
                ids[name] = client.tasks.trigger(task, payload, tags=tags).id
                emulator.wait_for_run(ids[name])
                clock.advance(60)
            ids["later"] = client.tasks.trigger("notify", {"to": "ada"}, delay="1h").id
        yield emulator, clock, ids


@pytest.fixture
def client(world: tuple[Emulator, ManualClock, dict[str, str]]) -> Iterator[trigger.Client]:
    with world[0].client() as client:
        yield client


@pytest.fixture
def ids(world: tuple[Emulator, ManualClock, dict[str, str]]) -> dict[str, str]:
    return world[2]


def rows(client: trigger.Client, sql: str, **options: Any) -> list[dict[str, Any]]:
    return list(client.query.execute(sql, **options).results)


def run_ids(client: trigger.Client, where: str) -> set[str]:
    return {row["run_id"] for row in rows(client, f"SELECT run_id FROM runs WHERE {where}")}


def test_column_lists_and_aliases(client: trigger.Client, ids: dict[str, str]) -> None:
    found = rows(
        client,
        "SELECT run_id, task_identifier AS task, status, attempt_count, tags, triggered_at "
        f"FROM runs WHERE run_id = '{ids['ship-eu']}'",
    )
    assert found == [
        {
            "run_id": ids["ship-eu"],
            "task": "ship",
            "status": "Completed",
            "attempt_count": 1,
            "tags": ["eu", "priority"],
            "triggered_at": "2026-03-19 12:00:00.000",
        }
    ]


def test_star_gives_every_column(client: trigger.Client, ids: dict[str, str]) -> None:
    row = rows(client, f"SELECT * FROM runs WHERE run_id = '{ids['charge-1']}'")[0]
    schema = client.query.schema()
    runs_table = next(table for table in schema.tables if table.name == "runs")
    assert list(row) == [column.name for column in runs_table.columns]
    assert (row["status"], row["is_finished"], row["batch_id"], row["idempotency_key"]) == (
        "Failed",
        True,
        None,
        "",
    )
    assert row["error"]["message"] == "card 4242 declined"


def test_comparisons(client: trigger.Client, ids: dict[str, str]) -> None:
    assert run_ids(client, "task_identifier = 'ship'") == {ids["ship-eu"], ids["ship-us"]}
    assert run_ids(client, "task_identifier != 'ship'") == run_ids(
        client, "task_identifier <> 'ship'"
    )
    assert run_ids(client, "task_identifier <> 'ship'") == {
        ids["charge-1"],
        ids["charge-2"],
        ids["later"],
    }
    # Times compare as times, whatever the literal's precision.
    # One run a minute from 12:00: ship-eu, ship-us, charge-1, charge-2, later.
    assert run_ids(client, "triggered_at >= '2026-03-19 12:02'") == {
        ids["charge-1"],
        ids["charge-2"],
        ids["later"],
    }
    assert run_ids(client, "triggered_at > '2026-03-19 12:02:00.000'") == {
        ids["charge-2"],
        ids["later"],
    }
    # A condition on triggered_at replaces the default window: the 9-day-old run counts.
    assert run_ids(client, "triggered_at < '2026-03-19T12:01:00Z'") == {ids["old"], ids["ship-eu"]}
    assert run_ids(client, "triggered_at <= '2026-03-19 12:01:00'") == {
        ids["old"],
        ids["ship-eu"],
        ids["ship-us"],
    }
    assert run_ids(client, "attempt_count > 0 AND is_finished = true") == {
        ids["ship-eu"],
        ids["ship-us"],
        ids["charge-1"],
        ids["charge-2"],
    }


def test_in_like_and_null(client: trigger.Client, ids: dict[str, str]) -> None:
    assert run_ids(client, "status IN ('Failed', 'Delayed')") == {
        ids["charge-1"],
        ids["charge-2"],
        ids["later"],
    }
    assert run_ids(client, "status NOT IN ('Failed', 'Delayed')") == {
        ids["ship-eu"],
        ids["ship-us"],
    }
    assert run_ids(client, "task_identifier LIKE 'sh%'") == {ids["ship-eu"], ids["ship-us"]}
    assert run_ids(client, "task_identifier LIKE 'SH%'") == set()
    assert run_ids(client, "task_identifier ILIKE 'SH_P'") == {ids["ship-eu"], ids["ship-us"]}
    assert run_ids(client, "completed_at IS NULL") == {ids["later"]}
    assert run_ids(client, "error IS NOT NULL") == {ids["charge-1"], ids["charge-2"]}
    assert run_ids(client, "error.message = 'card 5555 declined'") == {ids["charge-2"]}


def test_and_or_not_and_parentheses(client: trigger.Client, ids: dict[str, str]) -> None:
    # AND binds tighter than OR.
    loose = "task_identifier = 'notify' OR task_identifier = 'charge' AND attempt_count = 0"
    assert run_ids(client, loose) == {ids["later"]}
    grouped = "(task_identifier = 'notify' OR task_identifier = 'charge') AND attempt_count = 1"
    assert run_ids(client, grouped) == {ids["charge-1"], ids["charge-2"]}
    assert run_ids(client, "NOT (status = 'Failed' OR status = 'Delayed')") == {
        ids["ship-eu"],
        ids["ship-us"],
    }


def test_order_by_and_limit(client: trigger.Client, ids: dict[str, str]) -> None:
    ordered = rows(
        client,
        "SELECT run_id, task_identifier FROM runs WHERE is_finished = true "
        "ORDER BY task_identifier DESC, triggered_at ASC",
    )
    assert [row["run_id"] for row in ordered] == [
        ids["ship-eu"],
        ids["ship-us"],
        ids["charge-1"],
        ids["charge-2"],
    ]
    newest = rows(client, "SELECT run_id FROM runs ORDER BY triggered_at DESC LIMIT 2")
    assert [row["run_id"] for row in newest] == [ids["later"], ids["charge-2"]]


def test_count_and_group_by(client: trigger.Client) -> None:
    assert rows(client, "SELECT count() FROM runs") == [{"count": 5}]
    assert rows(client, "SELECT count() AS failures FROM runs WHERE status = 'Failed'") == [
        {"failures": 2}
    ]
    assert rows(client, "SELECT count() FROM runs WHERE task_identifier = 'none'") == [{"count": 0}]
    by_task = rows(
        client,
        "SELECT task_identifier, count() AS n FROM runs GROUP BY task_identifier "
        "ORDER BY n DESC, task_identifier ASC",
    )
    assert by_task == [
        {"task_identifier": "charge", "n": 2},
        {"task_identifier": "ship", "n": 2},
        {"task_identifier": "notify", "n": 1},
    ]
    by_status = rows(
        client, "SELECT status, count() FROM runs GROUP BY status ORDER BY count() DESC LIMIT 1"
    )
    assert by_status in ([{"status": "Completed", "count": 2}], [{"status": "Failed", "count": 2}])


def test_csv_answers(client: trigger.Client, ids: dict[str, str]) -> None:
    text = client.query.execute(
        f"SELECT run_id, tags, is_test FROM runs WHERE run_id = '{ids['charge-2']}'",
        format="csv",
    ).results
    assert text.splitlines()[0] == "run_id,tags,is_test"
    # Arrays go out as JSON, quoted because of their commas and quotes.
    assert list(csv.reader(io.StringIO(text)))[1] == [
        ids["charge-2"],
        json.dumps(["retry, later", "us"], separators=(",", ":")),
        "false",
    ]
    empty = client.query.execute(
        "SELECT run_id, status FROM runs WHERE task_identifier = 'none'", format="csv"
    ).results
    assert empty == "run_id,status"
    counted = client.query.execute("SELECT count() AS n FROM runs", format="csv").results
    assert counted == "n\n5"


def test_the_time_window(client: trigger.Client, ids: dict[str, str]) -> None:
    # Without a condition on triggered_at the last 7 days are read, or the period asked for.
    assert ids["old"] not in run_ids(client, "task_identifier = 'ship'")
    wide = {row["run_id"] for row in rows(client, "SELECT run_id FROM runs", period="10d")}
    assert ids["old"] in wide
    narrow = client.query.execute("SELECT run_id FROM runs", period="90s").results
    assert {row["run_id"] for row in narrow} == {ids["charge-2"], ids["later"]}
    ranged = client.query.execute(
        "SELECT run_id FROM runs",
        from_="2026-03-10T00:00:00Z",
        to="2026-03-11T00:00:00Z",
    ).results
    assert [row["run_id"] for row in ranged] == [ids["old"]]
    # A condition on triggered_at replaces the window (the body's period is then unused).
    own = rows(client, "SELECT run_id FROM runs WHERE triggered_at < '2026-03-11'", period="1m")
    assert [row["run_id"] for row in own] == [ids["old"]]


def test_nothing_older_than_30_days() -> None:
    clock = ManualClock(int(START.timestamp() * 1000))
    with Emulator(clock=clock) as emulator, emulator.client() as client:
        old = client.tasks.trigger("ship", {"parcel": 9}, delay="1h").id
        clock.advance(29 * DAY)
        assert old in run_ids(client, "triggered_at > '2000-01-01'")
        clock.advance(2 * DAY)  # 31 days old now
        assert run_ids(client, "triggered_at > '2000-01-01'") == set()
        assert rows(client, "SELECT count() FROM runs", period="60d") == [{"count": 0}]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT sum(usage_duration) FROM runs",
        "SELECT run_id FROM runs r JOIN runs s ON r.run_id = s.run_id",
        "SELECT run_id FROM (SELECT run_id FROM runs)",
        "SELECT status, count() FROM runs GROUP BY status HAVING count() > 1",
        "SELECT run_id FROM runs WHERE attempt_count BETWEEN 1 AND 2",
        "WITH recent AS (SELECT run_id FROM runs) SELECT run_id FROM recent",
        "SELECT run_id FROM runs; SELECT 1",
    ],
)
def test_outside_the_subset(client: trigger.Client, sql: str) -> None:
    with pytest.raises(trigger.BadRequestError) as raised:
        client.query.execute(sql)
    assert raised.value.status_code == 400
    assert raised.value.message.endswith(SUPPORTED)


def test_refusals_over_http(world: tuple[Emulator, ManualClock, dict[str, str]]) -> None:
    emulator = world[0]
    headers = {"authorization": f"Bearer {emulator.secret_key}"}
    with httpx.Client(base_url=emulator.url, headers=headers) as http:
        unknown = http.post("/api/v1/query", json={"query": "SELECT colour FROM runs"})
        assert unknown.status_code == 400
        assert unknown.json()["error"].startswith('Unknown column "colour". Available columns: ')
        path = http.post("/api/v1/query", json={"query": "SELECT status.name FROM runs"})
        assert path.json()["error"].startswith('Unknown column "status.name"')
        other = http.post("/api/v1/query", json={"query": "SELECT count() FROM metrics"})
        assert other.json()["error"].startswith("The emulator answers queries on the runs table")
        token = http.post("/api/v1/auth/public-tokens", json={"scopes": ["read:query"]}).json()
        as_token = {"authorization": f"Bearer {token['token']}"}
        wide = http.post(
            "/api/v1/query",
            json={"query": "SELECT count() FROM runs", "scope": "project"},
            headers=as_token,
        )
        assert (wide.status_code, wide.json()) == (
            403,
            {
                "error": "This token is scoped to one environment, so it can't run a "
                'project-scoped query. Use scope "environment", or a secret key.'
            },
        )
        mine = http.post(
            "/api/v1/query", json={"query": "SELECT count() FROM runs"}, headers=as_token
        )
        assert mine.status_code == 200
        scoped = http.post("/api/v1/auth/public-tokens", json={"scopes": ["read:query:metrics"]})
        only_metrics = {"authorization": f"Bearer {scoped.json()['token']}"}
        denied = http.post(
            "/api/v1/query", json={"query": "SELECT count() FROM runs"}, headers=only_metrics
        )
        assert denied.status_code == 403


def test_table_scopes(world: tuple[Emulator, ManualClock, dict[str, str]]) -> None:
    emulator = world[0]
    headers = {"authorization": f"Bearer {emulator.secret_key}"}
    with httpx.Client(base_url=emulator.url, headers=headers) as http:

        def as_token(scope: str) -> dict[str, str]:
            minted = http.post("/api/v1/auth/public-tokens", json={"scopes": [scope]})
            return {"authorization": f"Bearer {minted.json()['token']}"}

        schema_only = as_token("read:query:schema")
        assert http.get("/api/v1/query/schema", headers=schema_only).status_code == 200
        assert http.get("/api/v1/query/dashboards", headers=schema_only).status_code == 403
        dashboards = as_token("read:query:dashboards")
        assert http.get("/api/v1/query/dashboards", headers=dashboards).status_code == 200
        runs_only = as_token("read:query:runs")
        # The table is known even when the emulator does not answer the query: 400, not 403.
        beyond = http.post(
            "/api/v1/query",
            json={"query": "SELECT sum(usage_duration) FROM RUNS"},
            headers=runs_only,
        )
        assert beyond.status_code == 400
        both = http.post(
            "/api/v1/query",
            json={"query": "SELECT run_id FROM runs JOIN metrics ON 1 = 1"},
            headers=runs_only,
        )
        assert both.status_code == 403  # every table read needs its scope
        garbled = http.post("/api/v1/query", json={"query": "DROP runs"}, headers=runs_only)
        assert garbled.status_code == 403


@pytest.mark.anyio
async def test_async_client_queries(world: tuple[Emulator, ManualClock, dict[str, str]]) -> None:
    emulator, _, ids = world
    async with emulator.async_client() as client:
        found = await client.query.execute(
            "SELECT run_id FROM runs WHERE status = 'Failed' AND (tags = 'x' OR attempt_count = 1) "
            "ORDER BY triggered_at LIMIT 5"
        )
        assert [row["run_id"] for row in found.results] == [ids["charge-1"], ids["charge-2"]]
        text = await client.query.execute("SELECT count() AS n FROM runs", format="csv")
        assert text.results == "n\n5"
