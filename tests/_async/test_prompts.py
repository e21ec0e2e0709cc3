"""Prompts on the wire: every call's method, path and body, the checks made before sending,
decoding, the percent-encoded slug, and the module-level ``trigger.prompts``."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from tests.operations.prompts import OK, PROMPT, RESOLVED, VERSION
from trigger.types import CreatedPromptOverride, OkResponse, Prompt, PromptVersion, ResolvedPrompt

pytestmark = pytest.mark.anyio

PROMPTS = f"{BASE_URL}/api/v1/prompts"
SLUG = f"{PROMPTS}/support-reply"


def sent(httpx_mock: HTTPXMock) -> tuple[str, str, Any]:
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    body = msgspec.json.decode(request.content) if request.content else None
    return request.method, str(request.url), body


async def test_list_decodes_the_prompts(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    bare = {**PROMPT, "slug": "welcome", "description": None, "defaultModel": None}
    httpx_mock.add_response(json={"data": [PROMPT, {**bare, "currentVersion": None}]})
    prompts = await client.prompts.list()
    assert sent(httpx_mock) == ("GET", PROMPTS, None)
    first, second = prompts
    assert isinstance(first, Prompt)
    assert (first.slug, first.friendly_id, first.tags, first.current_version) == (
        "support-reply",
        "prompt_cm5x8e3rq0002",
        ["support"],
        3,
    )
    assert first.updated_at == datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    assert (second.description, second.default_model, second.current_version) == (None, None, None)


async def test_resolve_sends_variables_always(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=RESOLVED)
    resolved = await client.prompts.resolve("support-reply")
    assert sent(httpx_mock) == ("POST", SLUG, {"variables": {}})
    assert isinstance(resolved, ResolvedPrompt)
    assert (resolved.prompt_id, resolved.version, resolved.text) == (
        "prompt_cm5x8e3rq0002",
        3,
        "Hello Ada, thanks for writing in about billing.",
    )
    assert resolved.config == {"temperature": 0.2} and resolved.model == "gpt-4o-mini"


async def test_resolve_with_a_label_or_a_version(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=RESOLVED, is_reusable=True)
    await client.prompts.resolve("support-reply", {"name": "Ada", "n": 2}, label="latest")
    assert sent(httpx_mock)[2] == {"variables": {"name": "Ada", "n": 2}, "label": "latest"}
    httpx_mock.reset()
    httpx_mock.add_response(json=RESOLVED)
    await client.prompts.resolve("support-reply", version=2)
    assert sent(httpx_mock)[2] == {"variables": {}, "version": 2}


async def test_a_resolve_without_text_gives_empty_text(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # The official SDK turns an absent text into ""; so does the model.
    data = {k: v for k, v in RESOLVED["data"].items() if k not in ("text", "template")}
    httpx_mock.add_response(json={"data": {**data, "model": None, "config": None}})
    resolved = await client.prompts.resolve("support-reply")
    assert (resolved.text, resolved.template, resolved.model, resolved.config) == (
        "",
        None,
        None,
        None,
    )


async def test_versions(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    override = {
        **VERSION,
        "id": "cm5x8e3rq0004",
        "version": 4,
        "labels": ["override"],
        "source": "api",
        "commitMessage": "Shorter greeting",
    }
    httpx_mock.add_response(json={"data": [override, VERSION]})
    versions = await client.prompts.versions("support-reply")
    assert sent(httpx_mock) == ("GET", f"{SLUG}/versions", None)
    assert all(isinstance(v, PromptVersion) for v in versions)
    assert [(v.version, v.labels, v.source) for v in versions] == [
        (4, ["override"], "api"),
        (3, ["latest", "current"], "code"),
    ]
    assert versions[0].commit_message == "Shorter greeting"
    assert versions[1].text_content == VERSION["textContent"]
    assert versions[1].content_hash == "9f86d081884c7d65"


async def test_promote_and_reactivate_send_the_version(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=OK, is_reusable=True)
    assert await client.prompts.promote("support-reply", 3) == OkResponse(ok=True)
    assert sent(httpx_mock) == ("POST", f"{SLUG}/promote", {"version": 3})
    httpx_mock.reset()
    httpx_mock.add_response(json=OK)
    await client.prompts.reactivate_override("support-reply", 4)
    assert sent(httpx_mock) == ("POST", f"{SLUG}/override/reactivate", {"version": 4})


async def test_overrides(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"ok": True, "version": 4})
    created = await client.prompts.create_override(
        "support-reply",
        text_content="Hi {{name}}",
        model="gpt-4o",
        commit_message="Shorter greeting",
        source="script",
    )
    assert sent(httpx_mock) == (
        "POST",
        f"{SLUG}/override",
        {
            "textContent": "Hi {{name}}",
            "model": "gpt-4o",
            "commitMessage": "Shorter greeting",
            "source": "script",
        },
    )
    assert created == CreatedPromptOverride(ok=True, version=4)
    httpx_mock.reset()
    httpx_mock.add_response(json=OK)
    await client.prompts.update_override("support-reply", text_content="")
    assert sent(httpx_mock) == ("PUT", f"{SLUG}/override", {"textContent": ""})
    httpx_mock.reset()
    httpx_mock.add_response(json=OK)
    await client.prompts.remove_override("support-reply")
    assert sent(httpx_mock) == ("DELETE", f"{SLUG}/override", None)


async def test_the_slug_is_percent_encoded(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # The official client sends the slug as it is; "emails/welcome" would reach another path.
    httpx_mock.add_response(json={"data": []})
    await client.prompts.versions("emails/welcome?draft")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path == b"/api/v1/prompts/emails%2Fwelcome%3Fdraft/versions"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda p: p.resolve(""), ValueError, "slug must be a non-empty string"),
        (lambda p: p.resolve("s", ["a"]), TypeError, "variables must be a mapping"),
        (lambda p: p.resolve("s", {1: "a"}), TypeError, "variables keys must be str"),
        (lambda p: p.resolve("s", label="current", version=1), ValueError, "label or version"),
        (lambda p: p.resolve("s", version=0), ValueError, "version must be >= 1"),
        (lambda p: p.resolve("s", version=1.5), TypeError, "version must be an int"),
        (lambda p: p.promote("s", True), TypeError, "version must be an int"),
        (lambda p: p.reactivate_override("s", -1), ValueError, "version must be >= 1"),
        (
            lambda p: p.create_override("s", text_content="t", source="code"),
            ValueError,
            "source 'code' is reserved",
        ),
        (lambda p: p.create_override("s", text_content=None), TypeError, "text_content must be"),
        (lambda p: p.update_override("s"), ValueError, "pass at least one of"),
        (lambda p: p.update_override("s", model=""), ValueError, "model must be a non-empty"),
    ],
)
async def test_bad_input_raises_before_sending(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, call: Any, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        await call(client.prompts)
    assert httpx_mock.get_requests() == []


async def test_errors_map_to_exceptions(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=404, json={"error": "Prompt not found"})
    with pytest.raises(trigger.NotFoundError, match="Prompt not found"):
        await client.prompts.resolve("missing")
    httpx_mock.add_response(status_code=400, json={"error": "No active override to update"})
    with pytest.raises(trigger.BadRequestError, match="No active override"):
        await client.prompts.update_override("support-reply", model="gpt-4o")


async def test_every_method_has_a_raw_twin(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    raw = client.prompts.with_raw_response
    httpx_mock.add_response(json={"data": [PROMPT]}, headers={"x-ratelimit-remaining": "7"})
    listed = await raw.list()
    assert listed.headers["x-ratelimit-remaining"] == "7"
    assert listed.parse()[0].slug == "support-reply"
    httpx_mock.add_response(json=RESOLVED)
    assert (await raw.resolve("support-reply")).parse().version == 3
    httpx_mock.add_response(json={"data": [VERSION]})
    assert (await raw.versions("support-reply")).parse()[0].version == 3
    httpx_mock.add_response(json={"ok": True, "version": 4})
    assert (await raw.create_override("support-reply", text_content="t")).parse().version == 4
    calls: list[Any] = [
        lambda: raw.promote("support-reply", 3),
        lambda: raw.update_override("support-reply", model="m"),
        lambda: raw.remove_override("support-reply"),
        lambda: raw.reactivate_override("support-reply", 4),
    ]
    for call in calls:
        httpx_mock.add_response(json=OK)
        assert (await call()).parse().ok is True
