"""The retry policy as pure functions: which responses are retried and how long to wait."""

from __future__ import annotations

import pytest

from trigger import RetryOptions
from trigger._retry import header_delay, is_retryable, retry_delay

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
