"""Fault rules without a server: validation, the compact syntax, matching, counts, seeds,
the rate limiter's arithmetic, the operation table and the ``trigger emulator`` flags.

The HTTP behaviour is in test_faults_http.py; what the SDK makes of it, in
test_faults_sdk.py.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import re
from typing import Any

import pytest
from starlette.routing import Match

from tests.operations import EXPECTED
from trigger.emulator.cli import build_parser
from trigger.emulator.faults import (
    Fault,
    FaultRule,
    Faults,
    RateLimit,
    parse_duration,
    parse_fault,
    parse_rate_limit,
)
from trigger.emulator.faults_limiter import RateLimiter, limiter_problem
from trigger.emulator.faults_operations import OPERATIONS, operations_of

KEY = "Bearer tr_dev_0123456789abcdefghij"


# -- a rule's fields --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({}, ValueError, "a fault must do something"),
        ({"status": 503, "drop": "before"}, ValueError, "not status and drop"),
        ({"truncate": True, "drop": "after"}, ValueError, "not drop and truncate"),
        ({"status": 200}, ValueError, "status must be from 400 to 599"),
        ({"status": "503"}, TypeError, "status must be an int"),
        ({"status": True}, TypeError, "status must be an int"),
        ({"drop": "during"}, ValueError, "drop must be 'before' or 'after'"),
        ({"latency": 0}, ValueError, "latency must be above 0"),
        ({"latency": 601}, ValueError, "at most 600 seconds"),
        ({"latency": float("nan")}, ValueError, "latency must be a finite number"),
        ({"status": 503, "probability": 0}, ValueError, "probability must be above 0"),
        ({"status": 503, "probability": 1.5}, ValueError, "at most 1"),
        ({"status": 503, "times": 0}, ValueError, "times must be at least 1"),
        ({"status": 503, "times": 1.5}, TypeError, "times must be an int"),
        ({"should_retry": True, "latency": 1}, ValueError, "should_retry needs a status"),
        ({"status": 503, "should_retry": "yes"}, TypeError, "should_retry must be a bool"),
        ({"status": 429, "message": "slow down"}, ValueError, "message needs a status other"),
        ({"status": 503, "retry_after": 1}, ValueError, "retry_after needs status 429"),
        ({"status": 429, "retry_after": -1}, ValueError, "retry_after must be from 0"),
        ({"status": 503, "method": "FETCH"}, ValueError, "method must be one of"),
        ({"status": 503, "path": "api/v1/runs"}, ValueError, "path must start with '/'"),
        ({"status": 503, "operation": "runs.retreive"}, ValueError, "did you mean runs.retrieve"),
        (
            {"status": 503, "operation": "runs.retrieve", "method": "POST"},
            ValueError,
            "method POST never reaches runs.retrieve",
        ),
    ],
)
def test_a_bad_field_is_refused_with_its_name(
    fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        Fault(**fields)


def test_fields_are_normalised() -> None:
    fault = Fault(method="post", status=503, latency=1, probability=1)
    assert (fault.method, fault.latency, fault.probability) == ("POST", 1.0, 1.0)


@pytest.mark.parametrize(
    ("path", "yes", "no"),
    [
        (
            "/api/v1/tasks/*/trigger",
            ["/api/v1/tasks/send-email/trigger", "/api/v1/tasks/send-email/trigger/"],
            ["/api/v1/tasks/a/b/trigger", "/api/v1/tasks/send-email/batch"],
        ),
        ("/api/**", ["/api/v1/runs", "/api/v3/runs/run_1"], ["/realtime/v1/runs/run_1"]),
        ("/api/v?/runs", ["/api/v1/runs"], ["/api/v10/runs", "/api/v1/runs/run_1"]),
        ("/api/v1/runs", ["/api/v1/runs"], ["/api/v1/runsx", "/api/v1/runs/run_1"]),
    ],
)
def test_a_path_glob_matches_what_it_names_only(path: str, yes: list[str], no: list[str]) -> None:
    fault = Fault(path=path, status=500)
    assert [p for p in yes if fault.matches("GET", p, p)] == yes
    assert [p for p in no if fault.matches("GET", p, p)] == []


def test_method_and_operation_match_what_they_name_only() -> None:
    trigger = Fault(operation="tasks.trigger", status=500)
    assert trigger.matches("POST", "/api/v1/tasks/x/trigger", "/api/v1/tasks/x/trigger")
    assert not trigger.matches("GET", "/api/v1/tasks/x/trigger", "/api/v1/tasks/x/trigger")
    assert not trigger.matches("POST", "/api/v1/tasks/x/batch", "/api/v1/tasks/x/batch")
    deletes = Fault(method="DELETE", status=500)
    assert deletes.matches("DELETE", "/api/v1/schedules/s", "/api/v1/schedules/s")
    assert not deletes.matches("GET", "/api/v1/schedules/s", "/api/v1/schedules/s")


# -- the compact syntax -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "fault"),
    [
        (
            "POST /api/v1/tasks/*/trigger status=503 times=2",
            Fault(method="POST", path="/api/v1/tasks/*/trigger", status=503, times=2),
        ),
        (
            "runs.retrieve status=500 should_retry=false probability=20%",
            Fault(operation="runs.retrieve", status=500, should_retry=False, probability=0.2),
        ),
        (
            "tasks.trigger drop=after times=1",
            Fault(operation="tasks.trigger", drop="after", times=1),
        ),
        ("get /api/v1/runs truncate", Fault(method="GET", path="/api/v1/runs", truncate=True)),
        ("latency=250ms", Fault(latency=0.25)),
        ("status=429 retry-after=2s", Fault(status=429, retry_after=2.0)),
        (
            "status=503 message='Down for maintenance'",
            Fault(status=503, message="Down for maintenance"),
        ),
        ("latency=1.5 status=502", Fault(latency=1.5, status=502)),
    ],
)
def test_the_compact_syntax(spec: str, fault: Fault) -> None:
    assert parse_fault(spec) == fault
    assert parse_fault(fault.spec) == fault  # the spec a rule shows reads back the same


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "cannot be empty"),
        ("status=abc", "'status=abc': 'abc' is not a whole number"),
        ("stauts=503", "unknown field 'stauts'"),
        ("status=503 status=500", "status is given twice"),
        ("latency=fast", "'fast' is not a duration"),
        ("status=503 should_retry=maybe", "'maybe' is not true or false"),
        ("status=503 probability=lots", "is not a probability"),
        ("status=503 'unclosed", "cannot split"),
        ("status=503 Nonsense", "'Nonsense' is not a method, a /path, an operation"),
        ("tasks.trigger drop=during", "drop must be 'before' or 'after'"),
    ],
)
def test_the_compact_syntax_says_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_fault(spec)


def test_durations() -> None:
    assert [parse_duration(t) for t in ("250ms", "1.5s", "2m", "3", ".5s")] == [
        0.25,
        1.5,
        120.0,
        3.0,
        0.5,
    ]
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration("-1s")


def test_json_round_trip() -> None:
    fault = Fault(operation="tasks.trigger", status=503, should_retry=True, times=2)
    data = fault.to_dict()
    assert data == {"operation": "tasks.trigger", "status": 503, "shouldRetry": True, "times": 2}
    assert Fault.from_dict(json.loads(json.dumps(data))) == fault
    assert Fault.from_dict({"retry_after": 3, "status": 429}) == Fault(status=429, retry_after=3)
    with pytest.raises(ValueError, match="unknown fault field 'code'"):
        Fault.from_dict({"code": 503})
    with pytest.raises(ValueError, match="'retry_after' given twice"):
        Fault.from_dict({"status": 429, "retryAfter": 1, "retry_after": 2})


# -- the rule set: order, counts, seeds -------------------------------------------------------


def _fire(faults: Faults, n: int, method: str = "GET", path: str = "/api/v1/runs") -> list[Any]:
    out = []
    for _ in range(n):
        decision = faults.decide(method, path, path)
        out.append(None if decision is None or decision.rule is None else decision.rule.id)
    return out


def test_times_fires_exactly_that_many_times() -> None:
    faults = Faults()
    rule = faults.add(status=503, times=3)
    assert _fire(faults, 5) == ["fault_1"] * 3 + [None, None]
    assert (rule.fired, rule.matched, rule.remaining, rule.spent) == (3, 3, 0, True)
    assert not faults.active  # a spent rule costs nothing any more


def test_a_rule_counts_only_the_requests_it_names() -> None:
    faults = Faults()
    rule = faults.add(operation="tasks.trigger", status=500, times=1)
    assert _fire(faults, 3, "GET", "/api/v3/runs/run_1") == [None] * 3
    assert rule.matched == 0
    assert _fire(faults, 2, "POST", "/api/v1/tasks/t/trigger") == ["fault_1", None]


def test_the_first_answer_changing_rule_wins_and_latencies_add_up() -> None:
    faults = Faults()
    slow = faults.add(latency=0.25)
    first = faults.add(status=503, times=1)
    second = faults.add(status=500, latency=1.0)
    slower = faults.add(latency=0.5)
    decision = faults.decide("GET", "/api/v1/runs", "/api/v1/runs")
    assert decision is not None
    assert (decision.rule, decision.latency) == (first, 0.75)
    assert decision.fired == (slow.id, first.id, slower.id)
    assert second.matched == 0  # not consulted once a rule answered
    decision = faults.decide("GET", "/api/v1/runs", "/api/v1/runs")
    assert decision is not None
    assert (decision.rule, decision.latency) == (second, 1.75)


def _pattern(faults: Faults, n: int = 200) -> list[bool]:
    return [rule is not None for rule in _fire(faults, n)]


def test_the_same_seed_gives_the_same_faults() -> None:
    first, again, other = Faults(seed=7), Faults(seed=7), Faults(seed=8)
    for faults in (first, again, other):
        faults.add(status=503, probability=0.3)
    sequence = _pattern(first)
    assert sequence == _pattern(again)
    assert sequence != _pattern(other)
    assert 30 < sum(sequence) < 90  # about 60 of 200
    first.restart()
    assert _pattern(first) == sequence  # restarting replays it
    first.restart(seed=8)
    assert first.seed == 8
    assert _pattern(first) == _pattern(Faults(seed=8, rules=["status=503 probability=0.3"]))


def test_a_rules_sequence_does_not_depend_on_the_other_rules() -> None:
    alone = Faults(seed=11)
    alone.add(latency=0.01, probability=0.5)
    crowded = Faults(seed=11)
    crowded.add(latency=0.01, probability=0.5)
    crowded.add(latency=0.01, probability=0.9)

    def fired(faults: Faults) -> list[bool]:
        out = []
        for _ in range(100):
            decision = faults.decide("GET", "/api/v1/runs", "/api/v1/runs")
            out.append(decision is not None and "fault_1" in decision.fired)
        return out

    assert fired(alone) == fired(crowded)


def test_a_random_seed_is_chosen_and_shown() -> None:
    seeds = {Faults().seed for _ in range(5)}
    assert len(seeds) > 1
    assert Faults(seed=5).to_dict() == {"seed": 5, "rules": [], "rateLimit": None}


def test_add_list_get_remove_clear() -> None:
    faults = Faults()
    one = faults.add("tasks.trigger status=503")
    two = faults.add(Fault(latency=0.1))
    three = faults.add(operation="runs.retrieve", drop="before")
    assert [r.id for r in faults.list()] == ["fault_1", "fault_2", "fault_3"]
    assert faults.get("fault_2") is two
    faults.remove(two)
    faults.remove("fault_3")
    assert faults.list() == [one]
    assert three.fault.drop == "before"
    with pytest.raises(KeyError, match="no fault rule 'fault_3'"):
        faults.remove("fault_3")
    with pytest.raises(KeyError):
        faults.get("fault_9")
    faults.clear()
    assert faults.list() == [] and not faults.active
    with pytest.raises(ValueError, match="give a spec or fields, not both"):
        faults.add("status=503", times=1)
    with pytest.raises(TypeError, match="must be a Fault or a string"):
        faults.add(503)  # type: ignore[arg-type]


def test_reset_comes_back_to_the_starting_rules() -> None:
    faults = Faults(["tasks.trigger status=503 times=1"], seed=3, rate_limit=RateLimit(limit=2))
    start = faults.list()[0]
    assert _fire(faults, 1, "POST", "/api/v1/tasks/t/trigger") == ["fault_1"]
    added = faults.add(status=500)
    faults.remove(start)
    faults.rate_limit = None
    faults.reset()
    assert faults.list() == [start]
    assert (start.fired, start.matched) == (0, 0)
    assert faults.add(latency=0.1).id == "fault_2"  # ids start again after the starting rules
    assert added not in faults.list()
    assert faults.rate_limit == RateLimit(limit=2)


def test_the_constructor_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match="a list of rules, not one rule"):
        Faults("status=503")
    with pytest.raises(TypeError, match="seed must be an int"):
        Faults(seed="7")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="rate_limit must be a RateLimit"):
        Faults(rate_limit=750)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown field"):
        Faults(["stauts=503"])
    assert Faults(rate_limit=True).rate_limit == RateLimit()
    assert Faults(rate_limit=False).rate_limit is None


def test_a_rule_shows_its_counts() -> None:
    rule = Faults(seed=1).add("runs.retrieve status=503 times=2")
    assert isinstance(rule, FaultRule)
    assert rule.to_dict() == {
        "id": "fault_1",
        "operation": "runs.retrieve",
        "status": 503,
        "times": 2,
        "spec": "runs.retrieve status=503 times=2",
        "matched": 0,
        "fired": 0,
        "remaining": 2,
    }
    assert "fault_1" in repr(rule)


# -- the rate limiter ---------------------------------------------------------------------------


def test_the_token_bucket_refills_on_its_interval() -> None:
    limiter = RateLimiter(RateLimit(limit=3, refill=2, interval=10))
    t0 = 1_000_000
    seen = [limiter.take(KEY, t0 + i) for i in range(4)]
    assert [(v.allowed, v.remaining, v.reset_ms) for v in seen] == [
        (True, 2, t0 + 10_000),
        (True, 1, t0 + 10_000),
        (True, 0, t0 + 10_000),
        (False, -1, t0 + 10_000),
    ]
    assert seen[3].headers() == [
        (b"x-ratelimit-limit", b"3"),
        (b"x-ratelimit-remaining", b"0"),
        (b"x-ratelimit-reset", str(t0 + 10_000).encode()),
    ]
    after = limiter.take(KEY, t0 + 10_000)  # two tokens back
    assert (after.allowed, after.remaining, after.reset_ms) == (True, 1, t0 + 20_000)
    later = limiter.take(KEY, t0 + 95_000)  # many refills, capped at the bucket's size
    assert (later.allowed, later.remaining, later.reset_ms) == (True, 2, t0 + 100_000)


def test_keys_of_one_environment_share_a_bucket_and_tokens_get_windows() -> None:
    limiter = RateLimiter(RateLimit(limit=1, jwt_limit=2, jwt_window=60))
    assert limiter.take("Bearer tr_dev_aaa", 0).allowed
    assert not limiter.take("Bearer tr_dev_bbb", 1).allowed  # same environment
    assert limiter.take("Bearer tr_prod_aaa", 2).allowed
    jwt = "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"
    seen = [limiter.take(jwt, 60_000 + i) for i in range(3)]
    assert [(v.allowed, v.remaining, v.limit, v.reset_ms) for v in seen] == [
        (True, 1, 2, 120_000),
        (True, 0, 2, 120_000),
        (False, 0, 2, 120_000),
    ]
    assert limiter.take(jwt, 120_000).allowed  # the next window
    assert limiter.take("Bearer eyJother.e30.sig", 60_500).allowed  # another token


def test_the_429_body_is_the_servers() -> None:
    body = limiter_problem(750, -1, 1_700_000_009_873, 1_700_000_000_000)
    assert body.decode() == (
        "{\n"
        '  "title": "Rate Limit Exceeded",\n'
        '  "status": 429,\n'
        '  "type": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/429",\n'
        '  "detail": "Rate limit exceeded 0/750 requests remaining. Retry in 9.873 seconds.",\n'
        '  "reset": 1700000009873,\n'
        '  "limit": 750,\n'
        '  "remaining": -1,\n'
        '  "secondsUntilReset": 9.873,\n'
        '  "error": "Rate limit exceeded 0/750 requests remaining. Retry in 9.873 seconds."\n'
        "}"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"limit": 0}, "limit must be at least 1"),
        ({"refill": 1.5}, "refill must be an int"),
        ({"interval": 0}, "interval must be from 0.001"),
        ({"jwt_window": "1m"}, "jwt_window must be a number of seconds"),
    ],
)
def test_rate_limit_settings_are_checked(fields: dict[str, Any], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=re.escape(message)):
        RateLimit(**fields)


def test_rate_limit_syntax() -> None:
    assert parse_rate_limit("") == RateLimit()
    assert parse_rate_limit("limit=5 refill=5 interval=1s jwt_window=30s") == RateLimit(
        limit=5, refill=5, interval=1.0, jwt_window=30.0
    )
    with pytest.raises(ValueError, match="'limt=5' is not one of limit="):
        parse_rate_limit("limt=5")
    with pytest.raises(ValueError, match="limit must be at least 1"):
        parse_rate_limit("limit=0")
    assert RateLimit.from_dict({"jwtLimit": 5}) == RateLimit(jwt_limit=5)
    with pytest.raises(ValueError, match="unknown rate limit field 'burst'"):
        RateLimit.from_dict({"burst": 5})


# -- operations ---------------------------------------------------------------------------------


def test_every_operation_of_the_api_has_a_name() -> None:
    named = {endpoint for endpoints in OPERATIONS.values() for endpoint in endpoints}
    assert sorted(EXPECTED - named) == [], "add these endpoints to faults_operations.OPERATIONS"
    # EXPECTED lists the management API; the realtime reads (SERVER.md §11) come on top.
    assert sorted(e for e in named - EXPECTED if not e[1].startswith("/realtime/")) == []


def test_each_operation_names_a_route_the_emulator_serves() -> None:
    import trigger.emulator.routes as package

    modules = [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]
    routes = [route for module in modules for route in getattr(module, "routes", [])]
    assert len(routes) > 50
    for name, endpoints in OPERATIONS.items():
        for method, template in endpoints:
            path = re.sub(r"\{[^}]+\}", "sample", template)
            scope = {"type": "http", "method": method, "path": path, "path_params": {}}
            served = any(route.matches(scope)[0] is Match.FULL for route in routes)
            assert served, (name, path)


def test_names_follow_the_operations_page() -> None:
    # docs/operations.md lists each Python call with its endpoint: the names agree.
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()
    checked = 0
    for line in page.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if len(cells) < 4:
            continue
        calls = set(re.findall(r"client\.([a-z0-9_.]+)\(", cells[1]))
        endpoints = re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`?]+)", cells[3])
        if len(calls) != 1 or not endpoints:
            continue
        (call,) = calls
        assert call in OPERATIONS, call
        assert {(m, re.sub(r"\{[^}]+\}", "{}", p)) for m, p in endpoints} <= {
            (m, re.sub(r"\{[^}]+\}", "{}", p)) for m, p in OPERATIONS[call]
        }, call
        checked += 1
    assert checked > 60


def test_a_request_belongs_to_its_most_specific_endpoint() -> None:
    assert operations_of("GET", "/api/v1/deployments/current") == {"deployments.retrieve_current"}
    assert operations_of("GET", "/api/v1/deployments/dep_1") == {"deployments.retrieve"}
    assert operations_of("GET", "/api/v3/runs/run_1") == {"runs.retrieve", "runs.poll"}
    assert operations_of("POST", "/api/v3/batches") >= {"batch.create", "batch.trigger"}
    assert "batch.create" not in operations_of("POST", "/api/v3/batches/batch_1/items")
    assert operations_of("GET", "/api/v1/tasks/a%2Fb/trigger") == frozenset()
    assert operations_of("POST", "/api/v1/tasks/a%2Fb/trigger") == {"tasks.trigger"}
    assert operations_of("GET", "/somewhere/else") == frozenset()
    streams = "/realtime/v1/streams/run_1"
    assert operations_of("POST", f"{streams}/input/approval") == {"streams.send_input"}
    assert operations_of("POST", f"{streams}/self/progress/append") == {"streams.append"}


# -- the command line -----------------------------------------------------------------------------


def _options(*args: str) -> argparse.Namespace:
    return build_parser().parse_args(["emulator", *args])


def test_cli_flags() -> None:
    options = _options(
        "--fault",
        "POST /api/v1/tasks/*/trigger status=503 times=2",
        "--fault",
        "runs.retrieve latency=300ms",
        "--fault-seed",
        "42",
        "--rate-limit",
    )
    assert options.fault == [
        Fault(method="POST", path="/api/v1/tasks/*/trigger", status=503, times=2),
        Fault(operation="runs.retrieve", latency=0.3),
    ]
    assert (options.fault_seed, options.rate_limit) == (42, RateLimit())
    plain = _options()
    assert (plain.fault, plain.fault_seed, plain.rate_limit) == ([], None, None)
    assert _options("--rate-limit", "limit=5 interval=1s").rate_limit == RateLimit(
        limit=5, interval=1.0
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "status=abc"], "argument --fault: 'status=abc': 'abc' is not a whole number"),
        (["--fault", "tasks.trigger"], "argument --fault: a fault must do something"),
        (["--fault-seed", "x"], "argument --fault-seed: invalid int value: 'x'"),
        (["--rate-limit", "limit=0"], "argument --rate-limit: limit must be at least 1"),
    ],
)
def test_cli_flags_are_checked_with_the_flags_name(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _options(*args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
