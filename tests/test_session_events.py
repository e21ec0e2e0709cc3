"""`SessionEvent.records()`: the records of an S2 batch event, decoded without a server."""

from __future__ import annotations

import json

import pytest

from trigger.types.sessions import SessionEvent, SessionRecord


def _batch(*records: dict[str, object]) -> SessionEvent:
    return SessionEvent(id="2,2,64", event="batch", data=json.dumps({"records": list(records)}))


def test_the_servers_envelope_gives_the_data_and_part_id() -> None:
    body = json.dumps({"data": '{"text":"hi"}', "id": "m-0"})
    event = _batch({"seq_num": 4, "timestamp": 1, "body": body, "headers": [["k", "v"]]})
    assert event.records() == [
        SessionRecord(id="m-0", seq_num=4, data='{"text":"hi"}', headers=[["k", "v"]])
    ]


def test_a_body_without_the_envelope_is_the_data_and_its_seq_num_the_id() -> None:
    event = _batch({"seq_num": 7, "body": "plain text"}, {"seq_num": 8, "body": "[1, 2]"})
    assert [(r.id, r.seq_num, r.data) for r in event.records()] == [
        ("7", 7, "plain text"),
        ("8", 8, "[1, 2]"),
    ]


def test_pings_and_the_end_carry_no_records() -> None:
    assert SessionEvent(event="ping", data='{"timestamp": 1}').records() == []
    assert SessionEvent(data="[DONE]").records() == []


@pytest.mark.parametrize("data", ['{"rows": []}', "[]", "not json"])
def test_a_batch_without_a_records_list_is_refused(data: str) -> None:
    with pytest.raises(ValueError, match="event '1,1,1'"):
        SessionEvent(id="1,1,1", event="batch", data=data).records()


def test_s2_command_records_are_skipped() -> None:
    body = json.dumps({"data": "kept", "id": "p-1"})
    event = _batch(
        {"seq_num": 0, "body": "fence-token", "headers": [["", "fence"]]},
        {"seq_num": 1, "body": body, "headers": []},
    )
    assert [(r.id, r.data) for r in event.records()] == [("p-1", "kept")]
