"""The cron engine against cron-parser 4.9 and cronstrue 2.21, the server's own libraries.

The expected values were produced by running those libraries (Node) on the same inputs.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from trigger.emulator.engine import cron


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


@pytest.mark.parametrize(
    ("expression", "tz", "after", "expected"),
    [
        ("0 9 * * 1-5", "America/New_York", "2026-12-01T10:03:00Z",
         ["2026-12-01T14:00:00Z", "2026-12-02T14:00:00Z", "2026-12-03T14:00:00Z"]),
        ("*/15 9-17 * * 1-5", "Europe/Paris", "2026-12-04T16:50:00Z",
         ["2026-12-07T08:00:00Z", "2026-12-07T08:15:00Z", "2026-12-07T08:30:00Z"]),
        ("0 0 L * *", "UTC", "2026-02-10T00:00:00Z",
         ["2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z"]),
        ("0 0 * * 5L", "Asia/Tokyo", "2026-12-01T00:00:00Z",
         ["2026-12-24T15:00:00Z", "2027-01-28T15:00:00Z", "2027-02-25T15:00:00Z"]),
        ("0 0 * * 1#2", "UTC", "2026-12-01T00:00:00Z",
         ["2026-12-14T00:00:00Z", "2027-01-11T00:00:00Z", "2027-02-08T00:00:00Z"]),
        ("0 0 * * 1/2", "UTC", "2026-12-01T00:00:00Z",
         ["2026-12-02T00:00:00Z", "2026-12-04T00:00:00Z", "2026-12-06T00:00:00Z"]),
        ("0 12 1 * 1", "UTC", "2026-12-01T00:00:00Z",
         ["2026-12-01T12:00:00Z", "2026-12-07T12:00:00Z", "2026-12-14T12:00:00Z"]),
        ("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z",
         ["2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"]),
        ("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z",
         ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z", "2026-11-03T06:30:00Z"]),
        ("0 0 * * 7", "UTC", "2026-12-01T00:00:00Z",
         ["2026-12-06T00:00:00Z", "2026-12-13T00:00:00Z", "2026-12-20T00:00:00Z"]),
        ("5 4 * JAN,JUL SUN", "Australia/Sydney", "2026-12-01T00:00:00Z",
         ["2027-01-02T17:05:00Z", "2027-01-09T17:05:00Z", "2027-01-16T17:05:00Z"]),
    ],
)  # fmt: skip
def test_next_times_match_cron_parser(
    expression: str, tz: str, after: str, expected: list[str]
) -> None:
    fields = cron.parse(expression)
    assert cron.next_times(fields, tz, _ms(after), 3) == [_ms(item) for item in expected]


@pytest.mark.parametrize(
    ("expression", "description"),
    [
        ("0 9 * * 1-5", "At 09:00 AM, Monday through Friday"),
        ("*/5 * * * *", "Every 5 minutes"),
        ("15 14 1 * *", "At 02:15 PM, on day 1 of the month"),
        ("0 0 L * *", "At 12:00 AM, on the last day of the month"),
        ("0 0 * * 1#2", "At 12:00 AM, on the second Monday of the month"),
        ("23 0-20/2 * * *",
         "At 23 minutes past the hour, every 2 hours, between 12:00 AM and 08:59 PM"),
        ("0 8 * * 0,6", "At 08:00 AM, only on Sunday and Saturday"),
    ],
)  # fmt: skip
def test_descriptions_match_cronstrue(expression: str, description: str) -> None:
    assert cron.describe(expression) == description


def test_windows_and_phase() -> None:
    assert cron.parse_window("30m") == cron.ScheduleWindow("duration", 1800)
    assert cron.window_text(cron.parse_window("120m")) == "2h"
    assert cron.window_text(cron.parse_window("90m")) == "90m"
    assert cron.window_text(cron.parse_window("50%")) == "50%"
    for bad, message in (
        ("1441m", "Schedule window duration cannot exceed 24 hours"),
        ("101%", "Schedule window percentage cannot exceed 100%"),
        ("01m", 'Schedule window must be a whole duration such as "30m" or "2h", or a'),
    ):
        with pytest.raises(ValueError, match=message):
            cron.parse_window(bad)
    phase = cron.schedule_phase("secret", "env", "key")
    assert phase == cron.schedule_phase("secret", "env", "key")
    assert 0 <= phase < 2**31
    hour = 3_600_000
    # No window: spread over the one-minute minimum; a window wider than the interval is capped.
    assert 0 <= cron.effective_time(0, hour, phase, None) < 60_000
    half = cron.ScheduleWindow("percentage", 50)
    assert cron.effective_time(0, hour, 2**30, half) == hour // 4
    wide = cron.ScheduleWindow("duration", 86_400)
    assert cron.effective_time(0, hour, 2**30, wide) == hour // 2


# Around daylight-saving changes, chained as the server chains them (each occurrence asked
# for after the one before), measured with cron-parser 4.9.0 in Node. Without the gap move in
# `next_times`, cronsim alone differs in the spring-forward rows (03:00 for a missing 02:30).
@pytest.mark.parametrize(
    ("expression", "tz", "after", "expected"),
    [
        ("30 2 * * *", "America/New_York", "2026-03-07T12:00Z",
         ["2026-03-08T07:30Z", "2026-03-09T06:30Z", "2026-03-10T06:30Z"]),
        ("15,45 2 * * *", "America/New_York", "2026-03-07T12:00Z",
         ["2026-03-08T07:15Z", "2026-03-09T06:15Z", "2026-03-09T06:45Z"]),
        ("*/30 2 * * *", "America/New_York", "2026-03-07T12:00Z",
         ["2026-03-08T07:00Z", "2026-03-09T06:00Z", "2026-03-09T06:30Z"]),
        ("15 1-3 * * *", "America/New_York", "2026-03-07T12:00Z",
         ["2026-03-08T06:15Z", "2026-03-08T07:15Z", "2026-03-09T05:15Z"]),
        ("45 2 * * 0", "America/New_York", "2026-03-07T12:00Z",
         ["2026-03-08T07:45Z", "2026-03-15T06:45Z", "2026-03-22T06:45Z"]),
        ("5 2-4/2 * * *", "America/New_York", "2026-03-07T12:00Z",
         ["2026-03-08T07:05Z", "2026-03-08T08:05Z", "2026-03-09T06:05Z"]),
        ("15 1-3 * * *", "America/New_York", "2026-10-31T12:00Z",
         ["2026-11-01T05:15Z", "2026-11-01T07:15Z", "2026-11-01T08:15Z"]),
        ("30 1 * * *", "Europe/London", "2026-03-28T12:00Z",
         ["2026-03-29T01:30Z", "2026-03-30T00:30Z", "2026-03-31T00:30Z"]),
        ("15 1-3 * * *", "Europe/London", "2026-03-28T12:00Z",
         ["2026-03-29T01:15Z", "2026-03-29T02:15Z", "2026-03-30T00:15Z"]),
        ("30 1 * * *", "Europe/London", "2026-10-24T12:00Z",
         ["2026-10-25T00:30Z", "2026-10-26T01:30Z", "2026-10-27T01:30Z"]),
        ("*/30 2 * * *", "Europe/London", "2026-10-24T12:00Z",
         ["2026-10-25T02:00Z", "2026-10-25T02:30Z", "2026-10-26T02:00Z"]),
        ("30 2 * * *", "Australia/Sydney", "2026-10-03T00:00Z",
         ["2026-10-03T16:30Z", "2026-10-04T15:30Z", "2026-10-05T15:30Z"]),
        ("*/30 2 * * *", "Australia/Sydney", "2026-10-03T00:00Z",
         ["2026-10-03T16:00Z", "2026-10-04T15:00Z", "2026-10-04T15:30Z"]),
        ("*/30 2 * * *", "Australia/Sydney", "2026-04-04T00:00Z",
         ["2026-04-04T15:00Z", "2026-04-04T15:30Z", "2026-04-05T16:00Z"]),
        ("15 1-3 * * *", "Australia/Sydney", "2026-04-04T00:00Z",
         ["2026-04-04T14:15Z", "2026-04-04T15:15Z", "2026-04-04T17:15Z"]),
    ],
)  # fmt: skip
def test_daylight_saving_occurrences_match_cron_parser(
    expression: str, tz: str, after: str, expected: list[str]
) -> None:
    wanted = [_ms(item) for item in expected]
    assert cron.next_times(expression, tz, _ms(after), 3) == wanted
    chained: list[int] = []
    moment = _ms(after)
    for _ in range(3):
        [moment] = cron.next_times(expression, tz, moment, 1)
        chained.append(moment)
    assert chained == wanted


def test_previous_times_and_crons_that_never_match() -> None:
    # Strictly before: a time on the cron gives the one before it.
    assert cron.previous_time("0 * * * *", "UTC", _ms("2026-06-01T12:00:00Z")) == _ms(
        "2026-06-01T11:00:00Z"
    )
    assert cron.previous_time("0 9 * * *", "Europe/London", _ms("2026-03-30T00:00:00Z")) == _ms(
        "2026-03-29T08:00:00Z"
    )
    # An empty timezone is the server's "no zone": UTC.
    assert cron.next_times("0 9 * * *", "", _ms("2026-06-01T00:00:00Z"), 1) == [
        _ms("2026-06-01T09:00:00Z")
    ]
    # Valid for cron-parser (its check needs a single month), but never due.
    with pytest.raises(cron.NoOccurrenceError):
        cron.next_times("0 0 31 2,4 *", "UTC", 0, 1)
    with pytest.raises(cron.NoOccurrenceError):
        cron.previous_time("0 0 31 2,4 *", "UTC", _ms("2026-06-01T00:00:00Z"))
