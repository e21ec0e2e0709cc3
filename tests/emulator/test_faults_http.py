"""Fault rules and the rate limiter over real sockets: what a client receives, what the
emulator applies, the control endpoints, reset, seeds, and ``trigger emulator --fault``.
"""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.emulator.test_server import _start_cli
from trigger.emulator import Emulator
from trigger.emulator.faults import RateLimit

TASK = "fault-target"


def _api(emulator: Emulator, key: str | None = None) -> httpx.Client:
    headers = {"authorization": f"Bearer {key or emulator.secret_key}"}
    return httpx.Client(base_url=emulator.url, headers=headers, timeout=10)


def _control(emulator: Emulator) -> httpx.Client:
    return httpx.Client(base_url=f"{emulator.url}/_emulator", timeout=10)


def _trigger(http: httpx.Client, tag: str) -> httpx.Response:
    body = {"payload": {"tag": tag}, "options": {"tags": [tag], "delay": "1h"}}
    return http.post(f"/api/v1/tasks/{TASK}/trigger", json=body)


def _runs_tagged(http: httpx.Client, tag: str) -> list[str]:
    answer = http.get("/api/v1/runs", params={"filter[tag]": tag})
    assert answer.status_code == 200, answer.text
    return [run["id"] for run in answer.json()["data"]]


@pytest.fixture
def tag() -> str:
    return f"faults-{uuid.uuid4().hex[:8]}"


class Alarm(logging.Handler):
    """Collects warnings and errors from the server's loggers."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def alarm() -> Iterator[Alarm]:
    handler = Alarm()
    loggers = [logging.getLogger(n) for n in ("uvicorn", "uvicorn.error", "trigger", "asyncio")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


# -- statuses ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 409])
@pytest.mark.parametrize("should_retry", [None, True, False])
def test_a_status_is_answered_with_the_servers_error_body(
    trigger_emulator: Emulator, status: int, should_retry: bool | None
) -> None:
    trigger_emulator.faults.add(operation="runs.list", status=status, should_retry=should_retry)
    with _api(trigger_emulator) as http:
        answer = http.get("/api/v1/runs")
    reasons = {
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
        408: "Request Timeout",
        409: "Conflict",
    }
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    assert answer.content == f'{{"error":"{reasons[status]}"}}'.encode()
    expected = None if should_retry is None else str(should_retry).lower()
    assert answer.headers.get("x-should-retry") == expected
    # The limiter ran first, as on the server: its headers are on the answer.
    assert answer.headers["x-ratelimit-limit"] == "750"


def test_a_status_can_carry_its_own_message(trigger_emulator: Emulator) -> None:
    trigger_emulator.faults.add("runs.list status=503 message='Down for maintenance'")
    with _api(trigger_emulator) as http:
        assert http.get("/api/v1/runs").json() == {"error": "Down for maintenance"}


def test_a_429_of_the_global_limiter(trigger_emulator: Emulator) -> None:
    trigger_emulator.faults.add(operation="runs.retrieve", status=429, retry_after=2)
    with _api(trigger_emulator) as http:
        before = int(time.time() * 1000)
        answer = http.get("/api/v3/runs/run_cs4l7ekwz4v2m8n1q0r5t3y6u")
    assert answer.status_code == 429
    assert answer.headers["content-type"] == "application/problem+json; charset=utf-8"
    # One set of limiter headers (not the default ones as well), the reset in Unix ms.
    assert answer.headers.get_list("x-ratelimit-limit") == ["750"]
    assert answer.headers.get_list("x-ratelimit-remaining") == ["0"]
    reset = int(answer.headers["x-ratelimit-reset"])
    assert before + 1_900 <= reset <= before + 3_000
    body = answer.json()
    detail = "Rate limit exceeded 0/750 requests remaining. Retry in 2 seconds."
    assert body == {
        "title": "Rate Limit Exceeded",
        "status": 429,
        "type": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/429",
        "detail": detail,
        "reset": reset,
        "limit": 750,
        "remaining": -1,
        "secondsUntilReset": 2,
        "error": detail,
    }
    assert answer.text.startswith('{\n  "title": "Rate Limit Exceeded",\n')  # pretty-printed


def test_a_429_of_the_batch_limiter(trigger_emulator: Emulator) -> None:
    trigger_emulator.faults.add(operation="batch.create", status=429, retry_after=3)
    with _api(trigger_emulator) as http:
        before = time.time()
        answer = http.post("/api/v3/batches", json={"runCount": 1})
    assert answer.status_code == 429
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    # The global limiter's headers (ms) first, then the batch limiter's (s), as measured.
    resets = answer.headers.get_list("x-ratelimit-reset")
    assert len(resets) == 2 and int(resets[0]) > 10**12 > int(resets[1])
    assert before + 1 <= int(resets[1]) <= before + 4
    assert answer.headers.get_list("x-ratelimit-limit") == ["750", "1200"]
    assert answer.headers["retry-after"] == "3"
    message = answer.json()["error"]
    assert message.startswith("Batch rate limit exceeded. Limit resets at ")
    resets_at = datetime.fromisoformat(message.rsplit(" ", 1)[1].replace("Z", "+00:00"))
    assert abs(resets_at.timestamp() - (before + 3)) < 1.5


def test_a_429_on_a_realtime_path(trigger_emulator: Emulator) -> None:
    trigger_emulator.faults.add("GET /realtime/** status=429")
    with _api(trigger_emulator) as http:
        answer = http.get("/realtime/v1/runs/run_cs4l7ekwz4v2m8n1q0r5t3y6u")
    assert (answer.status_code, answer.json()) == (429, {"error": "Too many concurrent requests"})
    assert "x-ratelimit-reset" not in answer.headers


# -- connections and latency ------------------------------------------------------------------


def test_a_drop_before_the_answer_applies_nothing(
    trigger_emulator: Emulator, tag: str, alarm: Alarm
) -> None:
    rule = trigger_emulator.faults.add(operation="tasks.trigger", drop="before", times=1)
    with _api(trigger_emulator) as http:
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            _trigger(http, tag)
        assert _runs_tagged(http, tag) == []
        assert _trigger(http, tag).status_code == 200  # spent: the next one passes
        assert len(_runs_tagged(http, tag)) == 1
    assert rule.fired == 1
    logged = trigger_emulator.requests(path=f"/api/v1/tasks/{TASK}/trigger")
    assert [(r["status"], r.get("faults")) for r in logged] == [(0, ["fault_1"]), (200, None)]
    assert alarm.records == []


def test_a_drop_after_the_answer_applies_the_request(
    trigger_emulator: Emulator, tag: str, alarm: Alarm
) -> None:
    trigger_emulator.faults.add(operation="tasks.trigger", drop="after", times=1)
    with _api(trigger_emulator) as http:
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            _trigger(http, tag)
        assert len(_runs_tagged(http, tag)) == 1  # the run was made, its answer lost
    # The log shows what the route answered, and which rule lost it.
    logged = trigger_emulator.requests(path=f"/api/v1/tasks/{TASK}/trigger")
    assert [(r["status"], r.get("faults")) for r in logged] == [(200, ["fault_1"])]
    assert alarm.records == []


def _raw_get(url: str, path: str, key: str) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n\r\n"
        sock.sendall(request.encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_truncated_answer_has_its_full_length_and_half_its_body(
    trigger_emulator: Emulator, tag: str, alarm: Alarm
) -> None:
    with _api(trigger_emulator) as http:
        run_id = _trigger(http, tag).json()["id"]
        whole = http.get(f"/api/v3/runs/{run_id}").content
    trigger_emulator.faults.add(operation="runs.retrieve", truncate=True, times=1)
    received = _raw_get(trigger_emulator.url, f"/api/v3/runs/{run_id}", trigger_emulator.secret_key)
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert f"content-length: {len(whole)}".encode() in head.lower()
    assert body == whole[: len(whole) // 2]  # then the server closed the connection
    trigger_emulator.faults.add(operation="runs.retrieve", truncate=True, times=1)
    with (
        _api(trigger_emulator) as http,
        pytest.raises(httpx.RemoteProtocolError, match=r"without sending complete message body"),
    ):
        http.get(f"/api/v3/runs/{run_id}")
    assert alarm.records == []


def test_latency_delays_the_answer(trigger_emulator: Emulator) -> None:
    trigger_emulator.faults.add(operation="runs.list", latency=0.4, times=1)
    with _api(trigger_emulator) as http:
        started = time.perf_counter()
        assert http.get("/api/v1/runs").status_code == 200
        slow = time.perf_counter() - started
        started = time.perf_counter()
        assert http.get("/api/v1/runs").status_code == 200
        fast = time.perf_counter() - started
    assert slow >= 0.4 > fast


def test_latency_rules_add_up_with_the_rule_that_answers(trigger_emulator: Emulator) -> None:
    trigger_emulator.faults.add(latency=0.2)
    trigger_emulator.faults.add(operation="runs.list", status=503, latency=0.2)
    with _api(trigger_emulator) as http:
        started = time.perf_counter()
        assert http.get("/api/v1/runs").status_code == 503
        assert time.perf_counter() - started >= 0.4
    assert trigger_emulator.requests()[-1]["faults"] == ["fault_1", "fault_2"]


# -- what rules reach ---------------------------------------------------------------------------


def test_the_control_plane_is_never_faulted(trigger_emulator: Emulator) -> None:
    trigger_emulator.faults.add(status=503)
    trigger_emulator.faults.add(drop="before")
    with _control(trigger_emulator) as control, _api(trigger_emulator) as http:
        assert control.get("/health").status_code == 200
        assert control.get("/faults").status_code == 200
        assert control.get("/requests").status_code == 200
        assert http.get("/api/v1/runs").status_code == 503
    assert trigger_emulator.faults.list()[0].fired == 1


def test_presigned_packet_urls_are_data_and_can_be_faulted(trigger_emulator: Emulator) -> None:
    with _api(trigger_emulator) as http:
        url = http.put("/api/v2/packets/run_1/payload.json").json()["presignedUrl"]
    assert "/_emulator/storage/" in url
    trigger_emulator.faults.add(path="/_emulator/storage/**", status=503, times=1)
    assert httpx.put(url, content=b'{"big": true}').status_code == 503
    assert httpx.put(url, content=b'{"big": true}').status_code == 200


def test_rules_match_only_what_they_name(trigger_emulator: Emulator, tag: str) -> None:
    faults = trigger_emulator.faults
    by_operation = faults.add(operation="runs.retrieve", status=500)
    by_method = faults.add(method="DELETE", status=502)
    by_path = faults.add(path="/api/v1/schedules/**", status=504)
    with _api(trigger_emulator) as http:
        assert _trigger(http, tag).status_code == 200
        assert http.get("/api/v1/runs").status_code == 200
        assert http.get("/api/v3/runs/run_cs4l7ekwz4v2m8n1q0r5t3y6u").status_code == 500
        assert http.delete("/api/v1/envvars/x").status_code == 502
        assert http.get("/api/v1/schedules/sched_1").status_code == 504
        assert http.get("/api/v1/timezones").status_code == 200
    assert (by_operation.fired, by_method.fired, by_path.fired) == (1, 1, 1)


def test_times_fires_exactly_n_times_over_http(trigger_emulator: Emulator) -> None:
    trigger_emulator.faults.add("runs.list status=503 times=3")
    with _api(trigger_emulator) as http:
        statuses = [http.get("/api/v1/runs").status_code for _ in range(6)]
    assert statuses == [503, 503, 503, 200, 200, 200]


def _pattern(emulator: Emulator, n: int = 40) -> list[int]:
    with _api(emulator) as http:
        return [http.get("/api/v1/runs").status_code for _ in range(n)]


def test_the_same_seed_reproduces_the_same_sequence(trigger_emulator: Emulator) -> None:
    with _control(trigger_emulator) as control:
        put = control.put(
            "/faults", json={"seed": 99, "rules": ["runs.list status=503 probability=0.5"]}
        )
        assert put.status_code == 200, put.text
        first = _pattern(trigger_emulator)
        assert control.put("/faults", json={"seed": 99}).json()["rules"][0]["fired"] == 0
        assert _pattern(trigger_emulator) == first
        control.put("/faults", json={"seed": 100})
        assert _pattern(trigger_emulator) != first
    assert 5 < first.count(503) < 35


# -- the control endpoints ------------------------------------------------------------------------


def test_rules_are_listed_added_and_removed(trigger_emulator: Emulator) -> None:
    with _control(trigger_emulator) as control:
        added = control.post("/faults", json={"operation": "tasks.trigger", "status": 503})
        assert added.status_code == 201
        assert added.json() == {
            "id": "fault_1",
            "operation": "tasks.trigger",
            "status": 503,
            "spec": "tasks.trigger status=503",
            "matched": 0,
            "fired": 0,
            "remaining": None,
        }
        spec = control.post("/faults", json={"spec": "runs.list drop=after times=2"}).json()
        assert (spec["id"], spec["drop"], spec["times"], spec["remaining"]) == (
            "fault_2",
            "after",
            2,
            2,
        )
        listed = control.get("/faults").json()
        assert [rule["id"] for rule in listed["rules"]] == ["fault_1", "fault_2"]
        assert listed["seed"] == trigger_emulator.faults.seed
        assert listed["rateLimit"] is None
        assert control.get("/faults/fault_2").json()["spec"] == "runs.list drop=after times=2"
        assert control.delete("/faults/fault_1").json() == {"ok": True}
        assert [r.id for r in trigger_emulator.faults.list()] == ["fault_2"]
        assert control.delete("/faults").json() == {"ok": True}
        assert control.get("/faults").json()["rules"] == []
        missing = control.delete("/faults/fault_1")
        assert (missing.status_code, missing.json()) == (404, {"error": "No fault rule fault_1"})
        assert control.get("/faults/fault_7").status_code == 404


def test_put_replaces_every_rule(trigger_emulator: Emulator) -> None:
    trigger_emulator.faults.add(status=500)
    with _control(trigger_emulator) as control:
        answer = control.put(
            "/faults",
            json={
                "rules": [{"operation": "runs.list", "latency": 0.01}, "tasks.trigger status=502"]
            },
        )
    assert answer.status_code == 200, answer.text
    assert [rule["spec"] for rule in answer.json()["rules"]] == [
        "runs.list latency=10ms",
        "tasks.trigger status=502",
    ]
    assert [rule.fault.spec for rule in trigger_emulator.faults.list()] == [
        "runs.list latency=10ms",
        "tasks.trigger status=502",
    ]


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "/faults", b"{not json", "The body is not valid JSON"),
        ("POST", "/faults", b"[]", "The body must be a JSON object"),
        ("POST", "/faults", b"{}", "rule: a fault must do something"),
        ("POST", "/faults", b'{"status": "503"}', "rule: status must be an int"),
        ("POST", "/faults", b'{"status": 503, "code": 1}', "rule: unknown fault field 'code'"),
        ("POST", "/faults", b'{"operation": "runs.retreive", "status": 500}', "did you mean"),
        ("POST", "/faults", b'{"spec": "status=abc"}', "rule: 'status=abc': 'abc' is not a"),
        ("POST", "/faults", b'{"spec": 5}', "rule: spec must be a string"),
        ("POST", "/faults", b'{"spec": "status=503", "times": 1}', "give spec alone"),
        ("POST", "/faults", b'{"latency": 1e999}', "rule: latency must be a finite number"),
        ("PUT", "/faults", b'{"rules": "status=503"}', "rules must be a list"),
        ("PUT", "/faults", b'{"rules": [5]}', "rules[0]: a rule must be an object"),
        ("PUT", "/faults", b'{"rules": ["status=503", "times=x"]}', "rules[1]: 'times=x'"),
        ("PUT", "/faults", b'{"seed": "7"}', "seed must be an integer"),
        ("PUT", "/faults", b'{"rule": []}', "unknown field 'rule'"),
        ("PUT", "/rate-limit", b'{"limit": 0}', "rate limit: limit must be at least 1"),
        ("PUT", "/rate-limit", b'{"burst": 5}', "rate limit: unknown rate limit field 'burst'"),
        ("PUT", "/rate-limit", b'{"interval": "1s"}', "rate limit: interval must be a number"),
        ("PUT", "/rate-limit", b"[1]", "The body must be a JSON object"),
    ],
)
def test_bad_input_gets_a_400_that_says_why(
    trigger_emulator: Emulator, method: str, path: str, body: bytes, message: str
) -> None:
    trigger_emulator.faults.add(latency=0.01)
    with _control(trigger_emulator) as control:
        answer = control.request(method, path, content=body)
    assert answer.status_code == 400, answer.text
    assert message in answer.json()["error"]
    # Nothing changed.
    assert [r.fault.spec for r in trigger_emulator.faults.list()] == ["latency=10ms"]
    assert trigger_emulator.faults.rate_limit is None


def test_the_rate_limit_endpoint(trigger_emulator: Emulator) -> None:
    with _control(trigger_emulator) as control:
        assert control.get("/rate-limit").json() == {"rateLimit": None}
        on = control.put("/rate-limit", json={}).json()
        assert on == {
            "rateLimit": {
                "limit": 750,
                "refill": 250,
                "interval": 10.0,
                "jwtLimit": 60,
                "jwtWindow": 60.0,
            }
        }
        assert control.put("/rate-limit", json={"limit": 5}).json()["rateLimit"]["limit"] == 5
        assert control.get("/faults").json()["rateLimit"]["limit"] == 5
        assert trigger_emulator.faults.rate_limit == RateLimit(limit=5)
        assert control.delete("/rate-limit").json() == {"rateLimit": None}
        assert trigger_emulator.faults.rate_limit is None


def test_reset_drops_added_rules_on_the_session_emulator(trigger_emulator: Emulator) -> None:
    trigger_emulator.faults.add(status=503)
    trigger_emulator.faults.rate_limit = RateLimit(limit=1)
    with _control(trigger_emulator) as control:
        assert control.post("/reset").status_code == 200
        assert control.get("/faults").json()["rules"] == []
    assert trigger_emulator.faults.rate_limit is None


def test_reset_keeps_the_starting_rules_and_restarts_their_counts() -> None:
    with (
        Emulator(faults=["runs.list status=503 times=1"], fault_seed=4) as emulator,
        _api(emulator) as http,
        _control(emulator) as control,
    ):
        assert [http.get("/api/v1/runs").status_code for _ in range(2)] == [503, 200]
        control.post("/faults", json={"status": 500})
        assert control.post("/reset").status_code == 200
        listed = control.get("/faults").json()
        assert (listed["seed"], [(r["spec"], r["fired"]) for r in listed["rules"]]) == (
            4,
            [("runs.list status=503 times=1", 0)],
        )
        assert [http.get("/api/v1/runs").status_code for _ in range(2)] == [503, 200]


def test_the_seed_defaults_to_the_emulators() -> None:
    from trigger.emulator.faults import Faults

    with Emulator(seed=12) as seeded:
        assert seeded.faults.seed == 12
    with Emulator(seed=12, fault_seed=13) as both:
        assert both.faults.seed == 13
    assert isinstance(both.faults, Faults)
    with pytest.raises(ValueError, match="unknown field 'stauts'"):
        Emulator(faults=["stauts=503"])


# -- the rate limiter ------------------------------------------------------------------------------


@pytest.fixture
def limited() -> Iterator[Emulator]:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    with Emulator(
        clock="virtual", start_time=start, rate_limit=RateLimit(limit=3, refill=3, interval=10)
    ) as emulator:
        yield emulator


def _limits(answer: httpx.Response) -> tuple[int, str, str, str]:
    headers = answer.headers
    return (
        answer.status_code,
        headers["x-ratelimit-limit"],
        headers["x-ratelimit-remaining"],
        headers["x-ratelimit-reset"],
    )


def test_the_rate_limiter_counts_every_limited_request(limited: Emulator) -> None:
    now = limited.clock.now_ms()
    reset = str(now + 10_000)
    with _api(limited) as http:
        seen = [_limits(http.get("/api/v1/runs")) for _ in range(3)]
        assert seen == [(200, "3", "2", reset), (200, "3", "1", reset), (200, "3", "0", reset)]
        # Another key of the same environment shares the bucket; whitelisted paths and the
        # control plane are not counted.
        assert http.get("/api/v1/timezones").status_code == 200
        assert httpx.get(f"{limited.url}/_emulator/health").status_code == 200
        refused = http.get("/api/v1/runs", headers={"authorization": "Bearer tr_dev_another"})
    assert _limits(refused) == (429, "3", "0", reset)
    assert refused.headers["content-type"] == "application/problem+json; charset=utf-8"
    body = refused.json()
    assert (body["remaining"], body["limit"], body["reset"], body["secondsUntilReset"]) == (
        -1,
        3,
        now + 10_000,
        10,
    )
    assert body["detail"] == "Rate limit exceeded 0/3 requests remaining. Retry in 10 seconds."
    # A refused request never reaches its route.
    logged = limited.requests(path="/api/v1/runs")
    assert [r["status"] for r in logged] == [200, 200, 200, 429]


def test_the_rate_limiters_window_runs_on_the_emulators_clock(limited: Emulator) -> None:
    with _api(limited) as http:
        for _ in range(3):
            assert http.get("/api/v1/runs").status_code == 200
        assert http.get("/api/v1/runs").status_code == 429
        limited.advance(timedelta(seconds=9))
        assert http.get("/api/v1/runs").status_code == 429
        limited.advance(timedelta(seconds=1))
        answer = http.get("/api/v1/runs")
        assert _limits(answer) == (200, "3", "2", str(limited.clock.now_ms() + 10_000))


def test_reset_refills_the_buckets(limited: Emulator) -> None:
    with _api(limited) as http:
        for _ in range(4):
            http.get("/api/v1/runs")
        limited.reset()
        assert _limits(http.get("/api/v1/runs"))[:3] == (200, "3", "2")


def test_public_tokens_get_a_window_of_their_own(trigger_emulator: Emulator) -> None:
    trigger_emulator.faults.rate_limit = RateLimit(jwt_limit=2, jwt_window=60)
    with trigger_emulator.client() as client:
        token = client.auth.create_public_token(scopes={"read": {"runs": True}})
    with _api(trigger_emulator, key=str(token)) as http:
        statuses = [http.get("/api/v1/runs").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
    with _api(trigger_emulator) as http:  # the secret key's bucket is untouched
        assert http.get("/api/v1/runs").headers["x-ratelimit-remaining"] == "749"


def test_without_the_limiter_the_headers_are_those_of_a_full_bucket(
    trigger_emulator: Emulator,
) -> None:
    with _api(trigger_emulator) as http:
        for _ in range(3):
            answer = http.get("/api/v1/runs")
            assert (
                answer.headers["x-ratelimit-limit"],
                answer.headers["x-ratelimit-remaining"],
            ) == (
                "750",
                "749",
            )


# -- the command line ------------------------------------------------------------------------------


def test_trigger_emulator_with_faults_and_a_rate_limit() -> None:
    process, url, key = _start_cli(
        "--fault",
        "runs.list status=503 times=1",
        "--fault-seed",
        "9",
        "--rate-limit",
        "limit=3 refill=3 interval=60s",
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(5)]
        assert [line.strip() for line in banner] == [
            "export TRIGGER_PROJECT_REF=" + banner[0].strip().split("=", 1)[1],
            "",
            "fault        fault_1: runs.list status=503 times=1",
            "fault seed   9",
            "rate limit   3 requests every 60 s (60 every 60 s per public token)",
        ]
        listed: dict[str, Any] = httpx.get(f"{url}/_emulator/faults").json()
        assert (listed["seed"], listed["rules"][0]["status"], listed["rateLimit"]["limit"]) == (
            9,
            503,
            3,
        )
        headers = {"authorization": f"Bearer {key}"}
        statuses = [httpx.get(f"{url}/api/v1/runs", headers=headers).status_code for _ in range(4)]
        assert statuses == [503, 200, 200, 429]
    finally:
        process.kill()
        process.communicate()
