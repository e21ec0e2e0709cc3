"""Models turn into plain JSON-ready data: snake_case keys, every field, nested models too."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import msgspec
import pytest

import trigger
from tests.fixtures import RETRIEVED_RUN
from trigger._models import Model, _plan
from trigger.types import CreatedSession, QueryJSONResult, Run


def _run(**changes: Any) -> Run:
    return msgspec.json.decode(msgspec.json.encode({**RETRIEVED_RUN, **changes}), type=Run)


def test_to_dict_has_snake_case_keys_and_every_field_even_at_its_default() -> None:
    run = _run(isSuccess=False, costInCents=0, tags=[])
    data = run.to_dict()
    assert list(data) == [field.name for field in msgspec.structs.fields(Run)]
    assert data["task_identifier"] == "send-email"
    assert data["is_success"] is False
    assert data["cost_in_cents"] == 0
    assert data["tags"] == []
    assert "taskIdentifier" not in data


def test_to_dict_is_json_ready_with_iso_datetimes_and_nested_models_as_dicts() -> None:
    run = _run(
        relatedRuns={"parent": {"id": "run_parent", "status": "EXECUTING"}},
        payload={"deep": [{"n": 1}]},
    )
    data = run.to_dict()
    assert run.created_at == datetime(2024, 5, 23, 12, 0, tzinfo=timezone.utc)
    assert data["created_at"] == "2024-05-23T12:00:00Z"
    parent = data["related_runs"]["parent"]
    assert isinstance(parent, dict)
    assert parent["id"] == "run_parent"
    assert parent["is_success"] is False
    assert data["related_runs"]["children"] == []
    assert data["payload"] == {"deep": [{"n": 1}]}
    # What a Django JsonResponse or FastAPI does with it: the standard json module.
    assert json.loads(json.dumps(data)) == data


def test_to_json_is_the_dict_as_text() -> None:
    run = _run()
    text = run.to_json()
    assert isinstance(text, str)
    assert "\n" not in text
    assert json.loads(text) == run.to_dict()
    indented = run.to_json(indent=2)
    assert indented.startswith('{\n  "id": "run_1234",')
    assert json.loads(indented) == run.to_dict()


def test_wire_names_give_the_api_form_which_decodes_back_to_the_same_model() -> None:
    run = _run(isSuccess=False, tags=[])
    wire = run.to_dict(wire_names=True)
    assert wire["taskIdentifier"] == "send-email"
    assert wire["isSuccess"] is False
    assert wire["tags"] == []
    assert msgspec.json.decode(run.to_json(wire_names=True), type=Run) == run


def test_tagged_models_keep_their_tag() -> None:
    result = QueryJSONResult(results=[{"count": 3}])
    assert result.to_dict() == {"format": "json", "results": [{"count": 3}]}


def test_exported_data_includes_what_repr_hides() -> None:
    wire = {
        "id": "session_1",
        "type": "chat",
        "taskIdentifier": "agent",
        "createdAt": "2025-01-01T00:00:00Z",
        "updatedAt": "2025-01-01T00:00:00Z",
        "runId": "run_1",
        "publicAccessToken": "tok_abc",
    }
    session = msgspec.convert(wire, CreatedSession)
    assert "tok_abc" not in repr(session)
    assert session.to_dict()["public_access_token"] == "tok_abc"


MODELS = sorted(
    name
    for name in trigger.types.__all__
    if isinstance(getattr(trigger.types, name), type)
    and issubclass(getattr(trigger.types, name), Model)
)


@pytest.mark.parametrize("name", MODELS)
def test_every_model_class_can_plan_its_export(name: str) -> None:
    cls = getattr(trigger.types, name)
    plan = _plan(cls)
    assert [field for field, _, _ in plan] == [f.name for f in msgspec.structs.fields(cls)]
