"""Points in time in bodies and queries, written as the official client writes them.

The TypeScript client sends a ``Date`` as ``Date.prototype.toISOString()``: UTC, exactly
three fractional digits and ``Z`` (``2026-01-02T03:04:05.000Z``). A JavaScript date holds
whole milliseconds, and parsing a longer fraction truncates it, so microseconds are
truncated, never rounded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from trigger._validation import epoch_ms, iso_datetime
from trigger._wire import bulk_actions, deployments, errors, query, runs, sessions, wait
from trigger._wire.tasks import trigger_options_to_wire

UTC = timezone.utc


def _reschedule(moment: Any) -> Any:
    return runs.reschedule_body(moment)["delay"]


def _trigger_delay(moment: Any) -> Any:
    return trigger_options_to_wire({"delay": moment})["delay"]


def _bulk(bound: str) -> Callable[[Any], Any]:
    def send(moment: Any) -> Any:
        selection: Any = {bound: moment}
        body = bulk_actions.create_body(
            action="cancel",
            filter=selection,
            run_ids=None,
            name=None,
            target_region=None,
        )
        return body["filter"][bound.rstrip("_")]

    return send


def _token_timeout(moment: Any) -> Any:
    return wait.create_token_body(
        timeout=moment, idempotency_key=None, idempotency_key_ttl=None, tags=None
    )["timeout"]


def _query(bound: str) -> Callable[[Any], Any]:
    def send(moment: Any) -> Any:
        body = query.execute_body(
            query="SELECT 1",
            scope="environment",
            period=None,
            from_=moment,
            to=moment,
            format="json",
        )
        return body[bound]

    return send


def _session_expiry(moment: Any) -> Any:
    return sessions.create_body(
        type="chat",
        task_identifier="agent",
        trigger_config={"base_payload": {}},
        external_id=None,
        tags=None,
        metadata=None,
        expires_at=moment,
    )["expiresAt"]


def _deployments(bound: str) -> Callable[[Any], Any]:
    def send(moment: Any) -> Any:
        return deployments.list_deployments_query(
            status=None, period=None, from_=moment, to=moment, limit=None, after=None
        )[bound]

    return send


def _errors(bound: str) -> Callable[[Any], Any]:
    def send(moment: Any) -> Any:
        kwargs: dict[str, Any] = {"from_": None, "to": None, bound: moment}
        return errors.list_errors_query(
            task_identifier=None,
            version=None,
            status=None,
            search=None,
            period=None,
            limit=None,
            after=None,
            before=None,
            **kwargs,
        )[f"filter[{bound.rstrip('_')}]"]

    return send


SITES: list[tuple[str, Callable[[Any], Any]]] = [
    ("runs.reschedule delay", _reschedule),
    ("trigger delay", _trigger_delay),
    ("bulk filter from", _bulk("from_")),
    ("bulk filter to", _bulk("to")),
    ("waitpoint token timeout", _token_timeout),
    ("query from", _query("from")),
    ("query to", _query("to")),
    ("session expiresAt", _session_expiry),
    ("deployments from", _deployments("from")),
    ("deployments to", _deployments("to")),
    ("errors from", _errors("from_")),
    ("errors to", _errors("to")),
]
SITE_IDS = [site[0] for site in SITES]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), "2030-01-02T03:04:05.000Z"),
        (datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC), "2030-01-02T03:04:05.678Z"),
        (datetime(2030, 1, 2, 3, 4, 5, 678999, tzinfo=UTC), "2030-01-02T03:04:05.678Z"),
        (datetime(2030, 1, 2, 3, 4, 5, 999, tzinfo=UTC), "2030-01-02T03:04:05.000Z"),
        (
            datetime(2030, 1, 2, 1, 30, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
            "2030-01-02T07:00:00.000Z",
        ),
        (
            datetime(2030, 1, 1, 0, 0, 0, 1000, tzinfo=timezone(timedelta(hours=1))),
            "2029-12-31T23:00:00.001Z",
        ),
    ],
    ids=["whole-seconds", "milliseconds", "microseconds-truncated", "under-1ms", "offset", "day"],
)
@pytest.mark.parametrize(("site", "send"), SITES, ids=SITE_IDS)
def test_datetimes_go_out_as_to_iso_string(
    site: str, send: Callable[[Any], Any], moment: datetime, expected: str
) -> None:
    assert send(moment) == expected


@pytest.mark.parametrize(("site", "send"), SITES, ids=SITE_IDS)
def test_naive_datetimes_are_refused(site: str, send: Callable[[Any], Any]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        send(datetime(2030, 1, 1))


@pytest.mark.parametrize(("site", "send"), SITES, ids=SITE_IDS)
def test_strings_go_out_as_given(site: str, send: Callable[[Any], Any]) -> None:
    assert send("2030-01-02T03:04:05Z") == "2030-01-02T03:04:05Z"


def test_query_milliseconds_go_out_as_to_iso_string() -> None:
    body = query.execute_body(
        query="SELECT 1",
        scope="environment",
        period=None,
        from_=1704067200123,
        to=1704067200999.9,  # `new Date(ms)` keeps whole milliseconds
        format="json",
    )
    assert (body["from"], body["to"]) == ("2024-01-01T00:00:00.123Z", "2024-01-01T00:00:00.999Z")
    with pytest.raises(ValueError, match="from_"):
        query.execute_body(
            query="SELECT 1",
            scope="environment",
            period=None,
            from_=10**20,
            to=0,
            format="json",
        )


def test_iso_datetime_keeps_four_digit_years() -> None:
    assert iso_datetime("at", datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00.000Z"


def test_epoch_milliseconds_are_exact() -> None:
    # 2038-12-27 09:14:45.101 UTC: timestamp() * 1000 gives ...100 (a float lands just low).
    moment = datetime(2038, 12, 27, 9, 14, 45, 101000, tzinfo=timezone.utc)
    assert epoch_ms("from_", moment) == "2177054085101"
    assert epoch_ms("from_", datetime(1970, 1, 1, 0, 0, 0, 999, tzinfo=timezone.utc)) == "0"
