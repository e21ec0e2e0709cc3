"""The retry policy as pure functions: which responses are retried and how long to wait."""

from __future__ import annotations

import dataclasses
import math
import time

import httpx
import pytest

from trigger import RetryOptions, _retry, _types
from trigger._retry import header_delay, is_retryable, retry_delay
from trigger._types import RequestOptions
from trigger._validation import check_number, epoch_ms

FIXED = RetryOptions(randomize=False)


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (408, {}, True),
        (409, {}, True),
        (429, {}, True),
        (500, {}, True),
        (599, {}, True),
        (400, {}, False),
        (404, {}, False),
        (422, {}, False),
        (400, {"x-should-retry": "true"}, True),
        (503, {"x-should-retry": "false"}, False),
        (503, {"x-should-retry": "maybe"}, True),
    ],
)
def test_is_retryable(status: int, headers: dict[str, str], expected: bool) -> None:
    assert is_retryable(status, headers) is expected


def test_backoff_matches_the_official_defaults_without_jitter() -> None:
    assert [FIXED.backoff(n) for n in (1, 2, 3, 4)] == pytest.approx([1.0, 1.6, 2.56, 4.096])


def test_backoff_is_capped() -> None:
    assert FIXED.backoff(20) == 30.0


def test_jitter_stays_within_one_to_two_times() -> None:
    policy = RetryOptions()
    assert policy.backoff(1, rand=0.0) == 1.0
    assert policy.backoff(1, rand=0.999) == pytest.approx(1.999)
    samples = [policy.backoff(2) for _ in range(200)]
    assert all(1.6 <= s < 3.2 for s in samples)
    assert len(set(samples)) > 1


def test_no_retry_after_the_last_attempt() -> None:
    assert retry_delay(503, {}, 4, FIXED) == pytest.approx(4.096)
    assert retry_delay(503, {}, 5, FIXED) is None
    assert retry_delay(503, {}, 1, RetryOptions(max_attempts=1)) is None


def test_rate_limit_reset_in_milliseconds_and_seconds() -> None:
    now = 1_700_000_000.0
    in_ms = header_delay({"x-ratelimit-reset": str(int((now + 10) * 1000))}, now=now)
    in_s = header_delay({"x-ratelimit-reset": str(int(now + 10))}, now=now)
    assert in_ms is not None
    assert in_s is not None
    assert 10 <= in_ms < 11
    assert 10 <= in_s < 11


def test_a_past_reset_falls_back_to_other_headers() -> None:
    now = 1_700_000_000.0
    headers = {"x-ratelimit-reset": str(int((now - 60) * 1000)), "retry-after": "4"}
    assert header_delay(headers, now=now) == 4.0
    assert header_delay({"x-ratelimit-reset": "0"}, now=now) is None


def test_retry_after_forms() -> None:
    now = 1_700_000_000.0
    assert header_delay({"retry-after-ms": "250"}, now=now) == 0.25
    assert header_delay({"retry-after": "3"}, now=now) == 3.0
    http_date = "Tue, 14 Nov 2023 22:13:30 GMT"  # 10 s after `now`
    assert header_delay({"retry-after": http_date}, now=now) == pytest.approx(10.0)
    assert header_delay({"retry-after": "soon"}, now=now) is None
    assert header_delay({"retry-after": "nan"}, now=now) is None


def test_server_waits_are_capped_by_max_timeout() -> None:
    assert retry_delay(429, {"retry-after": "999"}, 1, FIXED) == 30.0


def test_merged_overrides_field_by_field() -> None:
    merged = FIXED.merged({"max_attempts": 2, "timeout": 5.0})
    assert merged == RetryOptions(max_attempts=2, randomize=False)
    assert FIXED.merged(None) is FIXED


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": 1.5}, "max_attempts"),
        ({"factor": 0.5}, "factor"),
        ({"min_timeout": -1}, "min_timeout"),
        ({"min_timeout": 10, "max_timeout": 1}, "max_timeout"),
        ({"randomize": "yes"}, "randomize"),
    ],
)
def test_bad_policies_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        RetryOptions(**kwargs)  # type: ignore[arg-type]


# -- hostile rate-limit headers ----------------------------------------------------------

NOW = 1_700_000_000.0
HOSTILE_VALUES = [
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Fri, 31 Dec 99999 23:59:59 GMT",
    "Fri, 31 Dec 2030 25:99:99 GMT",
    "Thu, 01 Jan 1970 00:00:00 +2400",
    # Each of these made email.utils raise OverflowError.
    "Fri, 31 Dec 99999999999999999999 23:59:59 GMT",
    "Fri, 99999999999999999999 Dec 2030 23:59:59 GMT",
    "Fri, 31 Dec 2030 99999999999999999999:59:59 GMT",
    "Fri, 31 Dec 2030 23:59:59 +99999999999999999999",
    "1_000",
    "1_0",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "infinity",
    "-5",
    "+5",
    "1e400",
    "1e3",
    "0x10",
    "\u0665",  # ARABIC-INDIC DIGIT FIVE: float() reads it as 5
    "1" * 400,
    "9" * 5000,
    "",
    " ",
    ",",
    "5,",
    "nan, inf",
    "Fri, 31 Dec 9999 23:59:59 GMT, Fri, 31 Dec 9999 23:59:59 GMT",
]


@pytest.mark.parametrize("header", ["retry-after", "retry-after-ms", "x-ratelimit-reset"])
@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_wait_headers_never_raise_and_waits_stay_bounded(header: str, value: str) -> None:
    for status in (429, 503):
        requested = header_delay({header: value}, now=NOW, status=status)
        assert requested is None or 0 <= requested < float("inf")
        delay = retry_delay(status, {header: value}, 1, FIXED, now=NOW)
        assert delay is not None
        assert 0 <= delay <= FIXED.max_timeout


@pytest.mark.parametrize(
    "value", ["1_000", "nan", "inf", "-5", "+5", "1e400", "1e3", "\u0665", "1" * 400, "0x10"]
)
def test_numbers_python_reads_but_no_server_sends_are_ignored(value: str) -> None:
    assert header_delay({"retry-after": value}, now=NOW) is None
    assert header_delay({"retry-after-ms": value}, now=NOW) is None
    assert header_delay({"x-ratelimit-reset": value}, now=NOW) is None
    # Ignored means the policy's own backoff applies.
    assert retry_delay(503, {"retry-after": value}, 1, FIXED, now=NOW) == 1.0


def test_an_http_date_far_in_the_future_is_capped_and_an_impossible_one_ignored() -> None:
    far = {"retry-after": "Fri, 31 Dec 9999 23:59:59 GMT"}
    assert retry_delay(503, far, 1, FIXED, now=NOW) == FIXED.max_timeout
    impossible = {"retry-after": "Fri, 31 Dec 99999 23:59:59 GMT"}
    assert header_delay(impossible, now=NOW) is None
    assert retry_delay(503, impossible, 1, FIXED, now=NOW) == 1.0


def test_an_http_date_without_a_zone_is_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        # "-0000" is UTC of unknown origin (RFC 5322), not the machine's local time.
        wait = header_delay({"retry-after": "Tue, 14 Nov 2023 22:13:30 -0000"}, now=NOW)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert wait == pytest.approx(10.0)


def test_the_batch_limiters_comma_joined_resets_take_the_latest() -> None:
    # The batch limiter's reset in seconds, the global limiter's in milliseconds.
    batch_reset = str(int(NOW + 60))
    global_reset = str(int((NOW + 5) * 1000))
    for value in (f"{batch_reset}, {global_reset}", f"{global_reset}, {batch_reset}"):
        wait = header_delay({"x-ratelimit-reset": value}, now=NOW)
        assert wait is not None
        assert 60 <= wait < 61
    # Repeated headers arrive joined exactly like this from httpx.
    headers = httpx.Headers([("X-RateLimit-Reset", batch_reset), ("x-ratelimit-reset", "x")])
    assert headers["x-ratelimit-reset"] == f"{batch_reset}, x"
    wait = header_delay(headers, now=NOW)
    assert wait is not None
    assert 60 <= wait < 61
    assert retry_delay(429, headers, 1, FIXED, now=NOW) == FIXED.max_timeout


def test_comma_joined_retry_after_values_take_the_largest() -> None:
    assert header_delay({"retry-after": "3, 7"}, now=NOW) == 7.0
    assert header_delay({"retry-after-ms": "250, 1500"}, now=NOW) == 1.5


# -- the policy's own values -------------------------------------------------------------


@pytest.mark.parametrize("field", ["factor", "min_timeout", "max_timeout"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_policy_values_are_refused_naming_the_field(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"^{field} must be a finite number"):
        RetryOptions(**{field: value})  # type: ignore[arg-type]


def test_waits_of_more_than_a_day_are_refused() -> None:
    # time.sleep overflows near 1e10 s; no retry waits longer than a day.
    with pytest.raises(ValueError, match="max_timeout must be <= 86400"):
        RetryOptions(max_timeout=1e10)
    assert RetryOptions(max_timeout=86_400).max_timeout == 86_400


@pytest.mark.parametrize("factor", [2, 1.6, 1e308])
def test_backoff_of_a_very_long_retry_run_stays_at_the_cap(factor: float) -> None:
    policy = RetryOptions(max_attempts=10**6, factor=factor, randomize=False)
    assert policy.backoff(5000) == 30.0
    assert RetryOptions(min_timeout=0, factor=factor).backoff(5000) == 0.0


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_check_number_refuses_non_finite_values_for_every_caller(value: float) -> None:
    with pytest.raises(ValueError, match="must be a finite number"):
        check_number("x", value)
    with pytest.raises(ValueError, match="must be a finite number"):
        check_number("x", value, minimum=0, maximum=10)
    # Callers that turned the number into an int or a date failed with OverflowError.
    with pytest.raises(ValueError, match="created_at must be a finite number"):
        epoch_ms("created_at", value)


# -- request_options ----------------------------------------------------------------------


def test_request_option_keys_and_retry_fields_match_their_types() -> None:
    assert set(_types._OPTION_TYPES) == RequestOptions.__optional_keys__
    assert tuple(f.name for f in dataclasses.fields(RetryOptions)) == _retry._RETRY_FIELDS


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_retries": 3}, "unknown key 'max_retries'; use 'max_attempts'"),
        ({"retries": 3}, "unknown key 'retries'; use 'max_attempts'"),
        ({"max_atempts": 3}, "unknown key 'max_atempts'; did you mean 'max_attempts'"),
        ({"headers": {}}, "unknown key 'headers'"),
        ({1: 2}, "unknown key 1"),
        ({"max_attempts": "3"}, r"request_options\['max_attempts'\] must be an int, not str"),
        ({"max_attempts": 2.0}, r"request_options\['max_attempts'\] must be an int"),
        ({"max_attempts": True}, r"request_options\['max_attempts'\] must be an int"),
        ({"factor": "2"}, r"request_options\['factor'\] must be a number"),
        ({"min_timeout": None}, r"request_options\['min_timeout'\] must be a number"),
        ({"max_timeout": "30"}, r"request_options\['max_timeout'\] must be a number"),
        ({"randomize": 0}, r"request_options\['randomize'\] must be a bool"),
        ({"timeout": "5"}, r"request_options\['timeout'\] must be a number of seconds"),
        ({"extra_headers": [("a", "b")]}, r"request_options\['extra_headers'\] must be a mapping"),
        ({"idempotency_key": 5}, r"request_options\['idempotency_key'\] must be a str"),
    ],
)
def test_bad_request_options_are_type_errors_naming_the_key(
    options: dict[object, object], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        FIXED.merged(options)  # type: ignore[arg-type]


@pytest.mark.parametrize("options", [[("max_attempts", 1)], "max_attempts", 0, (), [], ""])
def test_request_options_that_are_not_a_mapping_are_refused(options: object) -> None:
    with pytest.raises(TypeError, match="request_options must be a dict"):
        FIXED.merged(options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_timeout": math.inf}, "max_timeout must be a finite number"),
        ({"factor": math.nan}, "factor must be a finite number"),
        ({"max_attempts": 0}, "max_attempts must be >= 1"),
        ({"max_timeout": 0.5}, "max_timeout must be at least min_timeout"),
    ],
)
def test_out_of_range_request_options_are_value_errors(
    options: RequestOptions, message: str
) -> None:
    with pytest.raises(ValueError, match=f"^request_options: {message}"):
        FIXED.merged(options)


def test_valid_request_options_pass() -> None:
    options: RequestOptions = {
        "max_attempts": 2,
        "factor": 2,
        "min_timeout": 0.5,
        "max_timeout": 10,
        "randomize": True,
        "timeout": httpx.Timeout(5.0),
        "extra_headers": {"x-a": "b"},
        "idempotency_key": "k",
    }
    merged = FIXED.merged(options)
    assert merged == RetryOptions(max_attempts=2, factor=2, min_timeout=0.5, max_timeout=10)
    assert FIXED.merged({}) is FIXED
    assert FIXED.merged({"timeout": None, "extra_headers": None}) is FIXED  # type: ignore[arg-type]
