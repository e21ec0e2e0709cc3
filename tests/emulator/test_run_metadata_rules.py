"""``PUT /api/v1/runs/{id}/metadata`` picks one of two paths, as measured on the real server.

With an ``operations`` array (even an empty one) the operations apply to the stored metadata
and ``metadata`` is ignored; without one, ``metadata`` replaces the stored object, and a body
with neither answers ``{}`` and writes nothing. ``parentOperations`` and ``rootOperations``
of a root run apply to the run itself, but after the answer (the server buffers them).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator


@pytest.fixture
def delayed_run(trigger_emulator: Emulator, trigger_client: trigger.Client) -> str:
    """A delayed run (so its metadata stays writable) seeded with ``{"stage": "new"}``."""
    return trigger_client.tasks.trigger("meta-rules", delay="1h", metadata={"stage": "new"}).id


def _put(emulator: Emulator, run_id: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.put(
        f"{emulator.url}/api/v1/runs/{run_id}/metadata",
        headers={"Authorization": f"Bearer {emulator.secret_key}"},
        json=body,
    )


def _stored(emulator: Emulator, run_id: str) -> Any:
    run = emulator.run(run_id)
    assert run is not None
    return run["metadata"]


def test_operations_win_over_metadata(trigger_emulator: Emulator, delayed_run: str) -> None:
    answer = _put(
        trigger_emulator,
        delayed_run,
        {"metadata": {"ignored": True}, "operations": [{"type": "set", "key": "y", "value": 2}]},
    )
    assert (answer.status_code, answer.json()) == (200, {"metadata": {"stage": "new", "y": 2}})
    assert _stored(trigger_emulator, delayed_run) == {"stage": "new", "y": 2}


def test_an_empty_operations_list_changes_nothing(
    trigger_emulator: Emulator, delayed_run: str
) -> None:
    answer = _put(trigger_emulator, delayed_run, {"metadata": {"x": 1}, "operations": []})
    assert (answer.status_code, answer.json()) == (200, {"metadata": {"stage": "new"}})
    assert _stored(trigger_emulator, delayed_run) == {"stage": "new"}


def test_a_body_without_metadata_or_operations_answers_empty(
    trigger_emulator: Emulator, delayed_run: str
) -> None:
    answer = _put(trigger_emulator, delayed_run, {})
    assert (answer.status_code, answer.json()) == (200, {"metadata": {}})
    assert _stored(trigger_emulator, delayed_run) == {"stage": "new"}


def test_parent_and_root_operations_land_after_the_answer(
    trigger_emulator: Emulator, delayed_run: str
) -> None:
    answer = _put(
        trigger_emulator,
        delayed_run,
        {"parentOperations": [{"type": "set", "key": "p", "value": 1}]},
    )
    assert answer.json() == {"metadata": {}}
    assert _stored(trigger_emulator, delayed_run) == {"stage": "new", "p": 1}
    answer = _put(
        trigger_emulator,
        delayed_run,
        {
            "metadata": {"z": 1},
            "operations": [{"type": "set", "key": "a", "value": 1}],
            "rootOperations": [{"type": "set", "key": "r", "value": 1}],
        },
    )
    assert answer.json() == {"metadata": {"stage": "new", "p": 1, "a": 1}}
    assert _stored(trigger_emulator, delayed_run) == {"stage": "new", "p": 1, "a": 1, "r": 1}


def test_replacing_metadata_still_replaces(
    trigger_emulator: Emulator, trigger_client: trigger.Client, delayed_run: str
) -> None:
    answer = _put(trigger_emulator, delayed_run, {"metadata": {"stage": "set"}})
    assert answer.json() == {"metadata": {"stage": "set"}}
    assert trigger_client.runs.retrieve(delayed_run).metadata == {"stage": "set"}
