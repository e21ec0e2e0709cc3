"""Which calls have a ``with_raw_response`` twin, and the README says so truthfully."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import trigger

README = Path(__file__).resolve().parent.parent / "README.md"

# Calls without a raw twin, and why: each is not one request with one response to hand back.
NO_RAW_TWIN = {
    # Computed locally: no request at all.
    "auth.create_public_token": "signed locally",
    "auth.create_trigger_public_token": "signed locally",
    "auth.create_batch_trigger_public_token": "signed locally",
    "idempotency_keys.create": "hashed locally",
    # Helpers made of several requests.
    "batch.trigger": "create, then stream the items",
    "batch.trigger_by_task": "create, then stream the items",
    "tasks.batch_trigger": "create, then stream the items",
    "packets.offload": "an upload URL, then the upload",
    "packets.download": "a presigned URL, outside the API",
    "packets.download_value": "a presigned URL, outside the API",
    "runs.poll": "retrieves until the run is final",
    "runs.bulk.poll": "retrieves until the bulk action is final",
    "runs.result": "a retrieve, then maybe a packet download",
    # A stream of events, not one response.
    "sessions.subscribe": "server-sent events",
    "runs.stream": "server-sent events",
    "streams.read": "server-sent events",
    # Realtime subscriptions: a long poll after another.
    "runs.subscribe": "realtime long polls",
    "runs.subscribe_to_tag": "realtime long polls",
    "batch.subscribe": "realtime long polls",
}


def _resources(client: Any) -> Iterator[tuple[str, Any]]:
    def walk(prefix: str, owner: Any) -> Iterator[tuple[str, Any]]:
        for attribute in dir(owner):
            if attribute.startswith("_") or attribute == "with_raw_response":
                continue
            value = getattr(owner, attribute)
            if inspect.ismethod(value) or not hasattr(value, "_client"):
                continue
            name = f"{prefix}{attribute}"
            yield name, value
            yield from walk(f"{name}.", value)

    yield from walk("", client)


def _methods(client: Any) -> dict[str, bool]:
    """Every public call of every resource, and whether it has a raw twin."""
    found: dict[str, bool] = {}
    for name, resource in _resources(client):
        raw = getattr(resource, "with_raw_response", None)
        for attribute in dir(resource):
            value = getattr(resource, attribute)
            if attribute.startswith("_") or not inspect.ismethod(value):
                continue
            found[f"{name}.{attribute}"] = raw is not None and callable(
                getattr(raw, attribute, None)
            )
    return found


@pytest.fixture(params=["sync", "async"])
def methods(request: pytest.FixtureRequest) -> dict[str, bool]:
    cls = trigger.Client if request.param == "sync" else trigger.AsyncClient
    client = cls("tr_dev_x", base_url="http://127.0.0.1:9")
    found = _methods(client)
    if isinstance(client, trigger.Client):
        client.close()
    return found


def test_every_call_has_a_raw_twin_but_the_listed_ones(methods: dict[str, bool]) -> None:
    assert len(methods) > 80
    assert "runs.bulk.create" in methods, "sub-resources are walked too"
    without = {name for name, has_twin in methods.items() if not has_twin}
    assert without == set(NO_RAW_TWIN)


def test_the_readme_names_every_call_without_a_raw_twin() -> None:
    text = README.read_text()
    section = text[text.index("### Raw responses") :]
    section = section[: section.index("\n### ", 1)]
    assert "Every method has a twin" not in section
    for name in NO_RAW_TWIN:
        assert f"`{name}`" in section, name
