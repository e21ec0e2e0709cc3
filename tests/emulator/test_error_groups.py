"""Error groups as the real server builds them: its fingerprint, counts, order, pages, windows.

The fingerprints below were computed by running the server's own
``apps/webapp/app/utils/errorFingerprinting.ts`` under Node (commit b082e44), not by the
emulator's port of it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, ManualClock, RetryPolicy
from trigger.emulator.engine.errors import fingerprint, normalize_message

START = datetime(2026, 3, 2, 9, 0, 30, tzinfo=timezone.utc)
START_MS = int(START.timestamp() * 1000)
MINUTE = 60
DAY = 24 * 3600

SERVER_VECTORS = [
    (
        {"type": "BUILT_IN_ERROR", "name": "ValueError", "message": "card declined",
         "stackTrace": "Traceback..."},
        "ffa9460405fee942",
    ),
    (
        {"type": "BUILT_IN_ERROR", "name": "ValueError",
         "message": "order 1001 failed for run_abc123 at 2026-01-02T03:04:05.678Z"},
        "876b139e33f1da8a",
    ),
    (
        {"type": "BUILT_IN_ERROR", "name": "ValueError",
         "message": "order 1002 failed for run_zzz999 at 2026-02-02T03:04:05Z"},
        "876b139e33f1da8a",
    ),
    ({"type": "STRING_ERROR", "raw": "Canceled by user"}, "dc0f27ff80ce7ed9"),
    ({"type": "INTERNAL_ERROR", "code": "MAX_DURATION_EXCEEDED"}, "e8020520f548344d"),
    ({"type": "CUSTOM_ERROR", "raw": '{"code":42}'}, "e27056c40508deee"),
    (
        {"name": "TypeError", "message": "x is undefined",
         "stack": "TypeError: x\n    at f (/app/src/a.ts:12:5)\n    at g (/app/src/b.ts:3:1)"},
        "79fa85c44090635c",
    ),
    (
        {"message": "user ada@example.com id 550e8400-e29b-41d4-a716-446655440000 GET "
                    "https://api.example.com/v1/x 0xdeadbeef00 \"a very long quoted string here\" "
                    "C:\\Users\\ada\\file.txt /var/log/app.log 1700000000"},
        "60ba9c4c3d412e0e",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("error", "expected"), SERVER_VECTORS)
def test_fingerprints_are_the_servers(error: dict[str, Any], expected: str) -> None:
    assert fingerprint(error) == expected


def test_messages_are_normalized_as_on_the_server() -> None:
    assert normalize_message(
        "user ada@example.com id 550e8400-e29b-41d4-a716-446655440000 GET "
        "https://api.example.com/v1/x 0xdeadbeef00"
    ) == ("user <email> id <uuid> GET <url> <addr>")
    assert fingerprint("a string") == fingerprint([1]) == fingerprint({}) == ""


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START_MS)


@pytest.fixture
def emulator(clock: ManualClock) -> Iterator[Emulator]:
    with Emulator(clock=clock) as emulator:

        @emulator.task("charge", retry=RetryPolicy(max_attempts=1))
        def charge(payload: dict[str, Any]) -> None:
            raise ValueError(payload["message"])

        @emulator.task("refund", retry=RetryPolicy(max_attempts=1))
        def refund(payload: dict[str, Any]) -> None:
            raise ValueError(payload["message"])

        yield emulator


@pytest.fixture
def http(emulator: Emulator) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {emulator.secret_key}"}
    with httpx.Client(base_url=emulator.url, headers=headers) as client:
        yield client


def _fail(
    http: httpx.Client, emulator: Emulator, message: str, task: str = "charge", version: str = ""
) -> str:
    options: dict[str, Any] = {}
    if version:
        # Runs lock to a version a deployment has (the control plane deploys one).
        deployed = http.post(
            "/_emulator/deployments", json={"env": "dev", "version": version, "promote": False}
        )
        assert deployed.status_code in (200, 201, 409), deployed.text
        options["lockToVersion"] = version
    body = {"payload": {"message": message}, "options": options}
    run_id = str(http.post(f"/api/v1/tasks/{task}/trigger", json=body).json()["id"])
    emulator.wait_for_run(run_id)
    return run_id


def _decoded(cursor: str) -> Any:
    return json.loads(base64.b64decode(cursor))


def test_runs_with_the_same_error_shape_make_one_group(
    emulator: Emulator, clock: ManualClock, http: httpx.Client
) -> None:
    _fail(http, emulator, "order 1001 failed")
    clock.advance(5 * MINUTE)
    _fail(http, emulator, "order 1002 failed")
    _fail(http, emulator, "card expired")
    _fail(http, emulator, "order 1003 failed", task="refund")
    body = http.get("/api/v1/errors").json()
    expected_fp = fingerprint(
        {"type": "BUILT_IN_ERROR", "name": "ValueError", "message": "order 1001 failed"}
    )
    rows = [(r["taskIdentifier"], r["fingerprint"], r["count"]) for r in body["data"]]
    # The most frequent first, then by fingerprint and task, descending.
    expired_fp = fingerprint({"type": "BUILT_IN_ERROR", "message": "card expired"})
    assert rows[0] == ("charge", expected_fp, 2)
    assert sorted(rows[1:], key=lambda r: (r[1], r[0]), reverse=True) == rows[1:]
    assert set(rows[1:]) == {("refund", expected_fp, 1), ("charge", expired_fp, 1)}
    first = body["data"][0]
    assert first == {
        "id": f"error_{expected_fp}",
        "fingerprint": expected_fp,
        "taskIdentifier": "charge",
        # The server shows the stored error's ``type``, and a sample message of the group.
        "errorType": "BUILT_IN_ERROR",
        "errorMessage": "order 1001 failed",
        "status": "unresolved",
        "count": 2,
        # All-time, over every task with this fingerprint, by when the runs were created.
        "firstSeen": "2026-03-02T09:00:30.000Z",
        "lastSeen": "2026-03-02T09:05:30.000Z",
        "resolvedAt": None,
        "ignoredUntil": None,
    }
    assert body["pagination"] == {}


def test_pages_follow_the_servers_cursor(emulator: Emulator, http: httpx.Client) -> None:
    for message in ("a declined", "a declined", "a declined", "b expired", "b expired", "c lost"):
        _fail(http, emulator, message)
    first = http.get("/api/v1/errors", params={"page[size]": 2}).json()
    assert [r["count"] for r in first["data"]] == [3, 2]
    assert set(first["pagination"]) == {"next"}
    cursor = _decoded(first["pagination"]["next"])
    assert cursor == {
        "occurrenceCount": 2,
        "fingerprint": first["data"][1]["fingerprint"],
        "taskIdentifier": "charge",
    }
    second = http.get(
        "/api/v1/errors", params={"page[size]": 2, "page[after]": first["pagination"]["next"]}
    ).json()
    assert [r["count"] for r in second["data"]] == [1]
    assert set(second["pagination"]) == {"previous", "next"} - {"next"}
    back = http.get(
        "/api/v1/errors",
        params={"page[size]": 2, "page[before]": second["pagination"]["previous"]},
    ).json()
    assert [r["id"] for r in back["data"]] == [r["id"] for r in first["data"]]
    # Walking back: ``next`` points at the page's last row, ``previous`` only with more.
    assert set(back["pagination"]) == {"next"}
    one_back = http.get(
        "/api/v1/errors",
        params={"page[size]": 1, "page[before]": second["pagination"]["previous"]},
    ).json()
    assert [r["count"] for r in one_back["data"]] == [2]
    assert set(one_back["pagination"]) == {"next", "previous"}
    # A cursor that is not one starts from the first row.
    junk = http.get("/api/v1/errors", params={"page[size]": 2, "page[after]": "nope"}).json()
    assert [r["count"] for r in junk["data"]] == [3, 2]


def test_sdk_walks_the_pages(emulator: Emulator, http: httpx.Client) -> None:
    for n in range(5):
        _fail(http, emulator, f"kind {chr(97 + n)} broke")
    with emulator.client() as client:
        ids = [group.id for group in client.errors.list(limit=2)]
    assert len(ids) == len(set(ids)) == 5


def test_counts_cover_the_window_by_minute(
    emulator: Emulator, clock: ManualClock, http: httpx.Client
) -> None:
    _fail(http, emulator, "old failure")  # 2026-03-02 09:00:30
    clock.advance(2 * DAY)
    _fail(http, emulator, "old failure")  # 2026-03-04 09:00:30
    clock.advance(10 * MINUTE)
    _fail(http, emulator, "old failure")  # 2026-03-04 09:10:30

    def count(**params: Any) -> int | None:
        rows = http.get("/api/v1/errors", params=params).json()["data"]
        return rows[0]["count"] if rows else None

    assert count() == 2  # the last day by default
    assert count(**{"filter[period]": "5m"}) == 1
    assert count(**{"filter[period]": "1m"}) == 1  # its minute is in the window
    assert count(**{"filter[from]": "2026-03-04T09:11:00Z"}) is None
    assert count(**{"filter[period]": "3d"}) == 3
    assert count(**{"filter[period]": "nonsense"}) == 2  # the default again
    # ``from`` and ``to`` compare by minute: a run at 09:10:30 counts for a ``to`` of 09:10:00.
    assert count(**{"filter[from]": "2026-03-04T09:10:59Z"}) == 1
    assert count(**{"filter[to]": "2026-03-04T09:10:00Z", "filter[from]": "2026-03-01"}) == 3
    # ``to`` alone reaches back one day from now; a period wins over from/to.
    assert count(**{"filter[to]": "2026-03-04T09:05:00Z"}) == 1
    assert count(**{"filter[period]": "30d", "filter[from]": "2026-03-04T09:10:00Z"}) == 3
    # Unix milliseconds work too.
    assert count(**{"filter[from]": str(START_MS), "filter[to]": str(START_MS + 1000)}) == 1
    row = http.get("/api/v1/errors").json()["data"][0]
    assert (row["firstSeen"], row["lastSeen"]) == (
        "2026-03-02T09:00:30.000Z",
        "2026-03-04T09:10:30.000Z",
    )
    # Nothing older than the 30 days the server keeps is counted.
    clock.advance(29 * DAY)
    assert count(**{"filter[period]": "60d"}) == 2


def test_filters(emulator: Emulator, http: httpx.Client) -> None:
    _fail(http, emulator, "card declined", version="20260301.1")
    _fail(http, emulator, "card declined", version="20260302.1")
    _fail(http, emulator, "ledger offline", task="refund", version="20260302.1")

    def rows(**params: Any) -> list[tuple[str, int]]:
        data = http.get("/api/v1/errors", params=params).json()["data"]
        return sorted((r["errorMessage"], r["count"]) for r in data)

    assert rows(**{"filter[taskIdentifier]": "refund"}) == [("ledger offline", 1)]
    # A version filter counts only the runs of those versions.
    assert rows(**{"filter[version]": "20260302.1"}) == [
        ("card declined", 1),
        ("ledger offline", 1),
    ]
    assert rows(**{"filter[search]": "  LEDGER "}) == [("ledger offline", 1)]
    assert len(rows(**{"filter[search]": "built_in"})) == 2  # the type is searched too
    assert rows(**{"filter[search]": "%"}) == []  # a literal, not a wildcard
    declined = http.get("/api/v1/errors", params={"filter[search]": "declined"}).json()["data"][0]
    http.post(f"/api/v1/errors/{declined['id']}/resolve", json={})
    assert rows(**{"filter[status]": "resolved"}) == [("card declined", 2)]
    assert rows(**{"filter[status]": "unresolved"}) == [("ledger offline", 1)]
    assert len(rows(**{"filter[status]": "unresolved,resolved,ignored"})) == 2
    assert rows(**{"filter[status]": "ignored"}) == []


def test_retrieve(emulator: Emulator, clock: ManualClock, http: httpx.Client) -> None:
    _fail(http, emulator, "timeout 1001", version="20260301.2")
    clock.advance(MINUTE)
    for version in ("20260301.10", "20260228.1", "20260301.9", "20260302.1", "20260227.3"):
        _fail(http, emulator, "timeout 1002", version=version)
    group = http.get("/api/v1/errors").json()["data"][0]
    detail = http.get(f"/api/v1/errors/{group['id']}").json()
    assert detail == {
        "id": group["id"],
        "fingerprint": group["fingerprint"],
        "taskIdentifier": "charge",
        "errorType": "BUILT_IN_ERROR",
        "errorMessage": "timeout 1001",
        "count": 6,
        "firstSeen": "2026-03-02T09:00:30.000Z",
        "lastSeen": "2026-03-02T09:01:30.000Z",
        # Newest five by their numeric parts.
        "affectedVersions": [
            "20260302.1", "20260301.10", "20260301.9", "20260301.2", "20260228.1",
        ],
        "status": "unresolved",
        "resolvedAt": None,
        "resolvedInVersion": None,
        "resolvedBy": None,
        "ignoredAt": None,
        "ignoredUntil": None,
        "ignoredReason": None,
        "ignoredByUserId": None,
        "ignoredUntilOccurrenceRate": None,
        "ignoredUntilTotalOccurrences": None,
    }  # fmt: skip
    assert http.get(f"/api/v1/errors/{group['fingerprint']}").json() == detail  # the bare id
    malformed = http.get("/api/v1/errors/error_a_b")
    assert (malformed.status_code, malformed.json()) == (500, {"error": "Internal Server Error"})


def test_lifecycle_changes_and_times(
    emulator: Emulator, clock: ManualClock, http: httpx.Client
) -> None:
    _fail(http, emulator, "card declined")
    _fail(http, emulator, "card declined")
    error_id = http.get("/api/v1/errors").json()["data"][0]["id"]
    clock.advance(90)
    resolved = http.post(f"/api/v1/errors/{error_id}/resolve", json={"resolvedInVersion": "v2"})
    assert resolved.status_code == 200
    assert {k: resolved.json()[k] for k in ("status", "resolvedAt", "resolvedInVersion")} == {
        "status": "resolved",
        "resolvedAt": "2026-03-02T09:02:00.000Z",
        "resolvedInVersion": "v2",
    }
    listed = http.get("/api/v1/errors").json()["data"][0]
    assert (listed["status"], listed["resolvedAt"]) == ("resolved", "2026-03-02T09:02:00.000Z")
    ignored = http.post(
        f"/api/v1/errors/{error_id}/ignore",
        json={"duration": 3_600_000, "occurrenceRate": 2.5, "totalOccurrences": 10,
              "reason": "supplier outage"},
    ).json()  # fmt: skip
    # Ignoring clears the resolution.
    assert {k: ignored[k] for k in (
        "status", "resolvedAt", "resolvedInVersion", "ignoredAt", "ignoredUntil",
        "ignoredReason", "ignoredUntilOccurrenceRate", "ignoredUntilTotalOccurrences",
    )} == {
        "status": "ignored",
        "resolvedAt": None,
        "resolvedInVersion": None,
        "ignoredAt": "2026-03-02T09:02:00.000Z",
        "ignoredUntil": "2026-03-02T10:02:00.000Z",
        "ignoredReason": "supplier outage",
        "ignoredUntilOccurrenceRate": 2.5,
        "ignoredUntilTotalOccurrences": 10,
    }  # fmt: skip
    forever = http.post(f"/api/v1/errors/{error_id}/ignore", json={}).json()
    assert (forever["status"], forever["ignoredUntil"], forever["ignoredReason"]) == (
        "ignored",
        None,
        None,
    )
    # The state lasts: a new run of the group does not re-open it (no alert channels).
    _fail(http, emulator, "card declined")
    again = http.get(f"/api/v1/errors/{error_id}").json()
    assert (again["status"], again["count"]) == ("ignored", 3)
    back = http.post(f"/api/v1/errors/{error_id}/unresolve").json()
    assert {k: back[k] for k in ("status", "ignoredAt", "ignoredUntilOccurrenceRate")} == {
        "status": "unresolved",
        "ignoredAt": None,
        "ignoredUntilOccurrenceRate": None,
    }


def test_lifecycle_is_per_task(emulator: Emulator, http: httpx.Client) -> None:
    _fail(http, emulator, "ledger offline", task="charge")
    _fail(http, emulator, "ledger offline", task="refund")
    rows = http.get("/api/v1/errors").json()["data"]
    assert len({row["id"] for row in rows}) == 1 and len(rows) == 2
    error_id = rows[0]["id"]
    changed = http.post(f"/api/v1/errors/{error_id}/resolve", json={}).json()
    statuses = {
        row["taskIdentifier"]: row["status"] for row in http.get("/api/v1/errors").json()["data"]
    }
    assert statuses[changed["taskIdentifier"]] == "resolved"
    assert sorted(statuses.values()) == ["resolved", "unresolved"]


def test_refusals(emulator: Emulator, http: httpx.Client) -> None:
    _fail(http, emulator, "card declined")
    error_id = http.get("/api/v1/errors").json()["data"][0]["id"]
    bad = http.post(f"/api/v1/errors/{error_id}/ignore", json={"duration": 1.5})
    assert (bad.status_code, bad.json()) == (
        400,
        {"error": 'Validation error: Expected integer, received float at "duration"'},
    )
    empty = http.post(f"/api/v1/errors/{error_id}/resolve")
    assert (empty.status_code, empty.json()) == (400, {"error": "Request body is empty"})

    def token(scope: str) -> str:
        minted = http.post("/api/v1/auth/public-tokens", json={"scopes": [scope]})
        return str(minted.json()["token"])

    reader, writer = token("read:errors"), token(f"write:errors:{error_id}")
    as_reader = {"authorization": f"Bearer {reader}"}
    assert http.get(f"/api/v1/errors/{error_id}", headers=as_reader).status_code == 200
    denied = http.post(f"/api/v1/errors/{error_id}/resolve", json={}, headers=as_reader)
    assert denied.status_code == 403
    as_writer = {"authorization": f"Bearer {writer}"}
    assert http.post(f"/api/v1/errors/{error_id}/resolve", json={}, headers=as_writer).json()[
        "status"
    ] == ("resolved")
    # An action checks scopes before it looks: a token for another group gets 403, not 404.
    other = http.post("/api/v1/errors/error_ffffffffffffffff/resolve", json={}, headers=as_writer)
    assert other.status_code == 403


@pytest.mark.anyio
async def test_async_client_lifecycle(trigger_emulator: Emulator) -> None:
    @trigger_emulator.task("ship", retry=RetryPolicy(max_attempts=1))
    def ship(payload: dict[str, Any]) -> None:
        raise LookupError(f"parcel {payload['parcel']} lost")

    async with trigger_emulator.async_client() as client:
        for parcel in (1001, 1002):
            handle = await client.tasks.trigger("ship", {"parcel": parcel})
            trigger_emulator.wait_for_run(handle.id)
        groups = [group async for group in client.errors.list(task_identifier="ship")]
        assert [(g.error_type, g.count) for g in groups] == [("BUILT_IN_ERROR", 2)]
        resolved = await client.errors.resolve(groups[0].id, resolved_in_version="20260303.1")
        assert (resolved.status, resolved.resolved_in_version) == ("resolved", "20260303.1")
        ignored = await client.errors.ignore(groups[0].id, total_occurrences=5)
        assert (ignored.status, ignored.ignored_until_total_occurrences) == ("ignored", 5)
        assert (await client.errors.unresolve(groups[0].id)).status == "unresolved"
        with pytest.raises(trigger.NotFoundError):
            await client.errors.retrieve("error_0000000000000000")


def test_runs_list_by_error_group(emulator: Emulator, http: httpx.Client) -> None:
    declined = [_fail(http, emulator, f"order {n} declined") for n in (1001, 1002)]
    _fail(http, emulator, "ledger offline")
    other_task = _fail(http, emulator, "order 1003 declined", task="refund")
    error_id = f"error_{fingerprint({'type': 'BUILT_IN_ERROR', 'message': 'order 1001 declined'})}"
    listed = http.get("/api/v1/runs", params={"filter[error]": error_id}).json()["data"]
    # Every run with the fingerprint, whatever its task, newest first.
    assert [run["id"] for run in listed] == [other_task, *reversed(declined)]
    with emulator.client() as client:
        assert {run.id for run in client.runs.list(error=error_id)} == {other_task, *declined}
    none = http.get("/api/v1/runs", params={"filter[error]": "error_0000000000000000"})
    assert none.json()["data"] == []
