"""Prompts on the emulator: defined as a deploy defines them, then listed, resolved,
promoted and overridden through both clients; the server's error bodies over raw HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

import trigger
from trigger import _default
from trigger.emulator import Emulator, jwt

TEMPLATE = "Hello {{name}}!{{#vip}} Thanks for being with us, {{name}}.{{/vip}}"


def test_a_deploy_adds_a_version_only_when_the_definition_changes(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    assert trigger_emulator.define_prompt("support-reply", TEMPLATE, model="gpt-4o-mini") == 1
    assert trigger_emulator.define_prompt("support-reply", TEMPLATE, model="gpt-4o-mini") == 1
    assert trigger_emulator.define_prompt("support-reply", TEMPLATE, model="gpt-4o") == 2
    versions = trigger_client.prompts.versions("support-reply")
    assert [(v.version, v.labels, v.source, v.model) for v in versions] == [
        (2, ["latest", "current"], "code", "gpt-4o"),
        (1, [], "code", "gpt-4o-mini"),
    ]
    assert versions[0].id != versions[1].id and len(versions[0].content_hash) == 16
    [prompt] = trigger_client.prompts.list()
    assert (prompt.slug, prompt.current_version, prompt.default_model, prompt.has_override) == (
        "support-reply",
        2,
        "gpt-4o",
        False,
    )
    assert prompt.friendly_id.startswith("prompt_")


def test_templates_compile_as_the_server_compiles_them(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    trigger_emulator.define_prompt(
        "support-reply", TEMPLATE, config={"temperature": 0.2}, description="Replies"
    )
    vip = trigger_client.prompts.resolve("support-reply", {"name": "Ada", "vip": True})
    assert vip.text == "Hello Ada! Thanks for being with us, Ada."
    assert (vip.template, vip.config, vip.labels) == (
        TEMPLATE,
        {"temperature": 0.2},
        ["latest", "current"],
    )
    # A falsy section variable drops the section; a missing one is empty text; numbers and
    # booleans print as JavaScript prints them.
    assert trigger_client.prompts.resolve("support-reply", {"vip": 0}).text == "Hello !"
    trigger_emulator.define_prompt("totals", "{{ count }} runs, {{rate}} ok, {{done}}")
    text = trigger_client.prompts.resolve("totals", {"count": 3.0, "rate": 0.5, "done": False})
    assert text.text == "3 runs, 0.5 ok, false"


def test_overrides_resolve_first_until_removed(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    prompts = trigger_client.prompts
    trigger_emulator.define_prompt("support-reply", "Hello {{name}}")
    created = prompts.create_override(
        "support-reply", text_content="Dear {{name}}", commit_message="Formal"
    )
    assert created.version == 2
    assert prompts.resolve("support-reply", {"name": "Ada"}).text == "Dear Ada"
    # Even a label resolves the override; an exact version does not.
    assert prompts.resolve("support-reply", {"name": "Ada"}, label="current").text == "Dear Ada"
    assert prompts.resolve("support-reply", {"name": "Ada"}, version=1).text == "Hello Ada"
    assert prompts.list()[0].has_override is True
    prompts.update_override("support-reply", model="gpt-4o")
    override = prompts.versions("support-reply")[0]
    assert (override.source, override.model, override.commit_message) == ("api", "gpt-4o", "Formal")
    prompts.create_override("support-reply", text_content="Hi {{name}}")
    assert [v.labels for v in prompts.versions("support-reply")] == [
        ["override"],
        [],
        ["latest", "current"],
    ]
    prompts.remove_override("support-reply")
    assert prompts.resolve("support-reply", {"name": "Ada"}).text == "Hello Ada"
    prompts.reactivate_override("support-reply", 2)
    assert prompts.resolve("support-reply", {"name": "Ada"}).text == "Dear Ada"
    # A deploy moves "current" but the override still resolves.
    trigger_emulator.define_prompt("support-reply", "Greetings {{name}}")
    assert prompts.resolve("support-reply", {"name": "Ada"}).version == 2


def test_promote_moves_current_between_deployed_versions(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    trigger_emulator.define_prompt("support-reply", "v1 {{name}}")
    trigger_emulator.define_prompt("support-reply", "v2 {{name}}")
    trigger_client.prompts.promote("support-reply", 1)
    assert trigger_client.prompts.resolve("support-reply", {"name": "x"}).text == "v1 x"
    labels = {v.version: v.labels for v in trigger_client.prompts.versions("support-reply")}
    assert labels == {2: ["latest"], 1: ["current"]}
    assert trigger_client.prompts.list()[0].current_version == 1
    trigger_client.prompts.create_override("support-reply", text_content="o")
    with pytest.raises(trigger.BadRequestError, match="Only code-sourced versions"):
        trigger_client.prompts.promote("support-reply", 3)
    with pytest.raises(trigger.BadRequestError, match="Code-sourced versions cannot"):
        trigger_client.prompts.reactivate_override("support-reply", 1)
    with pytest.raises(trigger.NotFoundError, match="Version 9 not found"):
        trigger_client.prompts.promote("support-reply", 9)


def test_a_slug_holding_a_slash_names_one_prompt(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    trigger_emulator.define_prompt("emails/welcome", "Welcome, {{name}}")
    trigger_emulator.define_prompt("emails", "Inbox")
    resolved = trigger_client.prompts.resolve("emails/welcome", {"name": "Ada"})
    assert (resolved.slug, resolved.text) == ("emails/welcome", "Welcome, Ada")
    assert [v.version for v in trigger_client.prompts.versions("emails/welcome")] == [1]
    assert trigger_emulator.requests(method="POST")[-1]["path"] == "/api/v1/prompts/emails/welcome"


def test_prompts_belong_to_one_environment(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    trigger_emulator.define_prompt("support-reply", "prod text", env="prod")
    assert trigger_client.prompts.list() == []
    with trigger_emulator.client("prod") as prod:
        assert [p.slug for p in prod.prompts.list()] == ["support-reply"]
    with pytest.raises(ValueError, match="env must be"):
        trigger_emulator.define_prompt("x", "y", env="qa")
    with pytest.raises(TypeError, match="content must be a string"):
        trigger_emulator.define_prompt("x", None)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_the_async_client(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    trigger_emulator.define_prompt("support-reply", "Hello {{name}}", model="gpt-4o-mini")
    prompts = trigger_async_client.prompts
    assert [p.slug for p in await prompts.list()] == ["support-reply"]
    resolved = await prompts.resolve("support-reply", {"name": "Ada"})
    assert (resolved.text, resolved.model) == ("Hello Ada", "gpt-4o-mini")
    created = await prompts.create_override("support-reply", text_content="Yo {{name}}")
    assert created.version == 2
    assert (await prompts.update_override("support-reply", text_content="Hey {{name}}")).ok
    assert (await prompts.resolve("support-reply", {"name": "Bo"})).text == "Hey Bo"
    assert (await prompts.remove_override("support-reply")).ok
    assert (await prompts.reactivate_override("support-reply", 2)).ok
    assert (await prompts.promote("support-reply", 1)).ok
    assert [v.version for v in await prompts.versions("support-reply")] == [2, 1]


def test_the_module_level_api(trigger_emulator: Emulator) -> None:
    trigger_emulator.define_prompt("support-reply", "Hello {{name}}")
    trigger.configure(secret_key=trigger_emulator.secret_key, base_url=trigger_emulator.url)
    try:
        assert "default client" in repr(trigger.prompts)
        assert trigger.prompts.resolve("support-reply", {"name": "Ada"}).text == "Hello Ada"
    finally:
        if _default._client is not None:
            _default._client.close()
        _default._client = None
        _default._settings.clear()


def test_the_control_endpoint(trigger_emulator: Emulator, http: httpx.Client) -> None:
    defined = http.post(
        "/_emulator/prompts",
        json={"slug": "support-reply", "content": "Hi {{name}}", "model": "gpt-4o-mini"},
    )
    assert defined.status_code == 200
    body = defined.json()
    assert (body["slug"], body["env"], body["version"], body["created"]) == (
        "support-reply",
        "dev",
        1,
        True,
    )
    same = {"slug": "support-reply", "content": "Hi {{name}}", "model": "gpt-4o-mini"}
    assert http.post("/_emulator/prompts", json=same).json()["created"] is False
    # Without the model the definition changed, as a deploy dropping it would.
    changed = http.post("/_emulator/prompts", json={**same, "model": None}).json()
    assert (changed["created"], changed["version"]) == (True, 2)
    for bad, message in (
        ({"slug": "x"}, "Missing field(s): content"),
        ({"slug": "x", "content": "y", "labels": []}, "Unknown field(s): labels"),
        ({"slug": "", "content": "y"}, "slug must be a non-empty string"),
        (
            {"slug": "x", "content": "y", "env": "qa"},
            "env must be 'dev', 'stg', 'prod' or 'preview'",
        ),
        ({"slug": "x", "content": "y", "config": [1]}, "config must be a mapping (a JSON object)"),
    ):
        refused = http.post("/_emulator/prompts", json=bad)
        assert (refused.status_code, refused.json()) == (400, {"error": message})
    assert http.post("/_emulator/prompts", content=b"[").json() == {"error": "Invalid JSON"}
    trigger_emulator.reset()
    assert http.get("/api/v1/prompts").json() == {"data": []}


def test_error_bodies(trigger_emulator: Emulator, http: httpx.Client) -> None:
    trigger_emulator.define_prompt("support-reply", "Hello {{name}}")
    trigger_emulator.define_prompt("empty", "")
    # Loaders: the builder's own 404 before any scope check.
    missing = http.get("/api/v1/prompts/nope/versions")
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})
    assert missing.headers["x-should-retry"] == "false"
    assert http.get("/api/v1/prompts/nope").json() == {"error": "Not found"}
    # Actions: the handler's messages.
    assert http.post("/api/v1/prompts/nope", json={}).json() == {"error": "Prompt not found"}
    no_version = http.post("/api/v1/prompts/support-reply", json={"version": 7})
    assert (no_version.status_code, no_version.json()) == (404, {"error": "No version found"})
    no_text = http.post("/api/v1/prompts/empty", json={})
    assert (no_text.status_code, no_text.json()) == (404, {"error": "Prompt has no content"})
    bad = http.post("/api/v1/prompts/support-reply", json={"variables": [1], "version": "1"})
    assert (bad.status_code, bad.json()) == (
        400,
        {
            "error": 'Validation error: Expected object, received array at "variables"; '
            'Expected number, received string at "version"'
        },
    )
    assert http.post("/api/v1/prompts/support-reply").json() == {"error": "Request body is empty"}
    promote = http.post("/api/v1/prompts/support-reply/promote", json={"version": 0})
    assert promote.json() == {
        "error": 'Validation error: Number must be greater than 0 at "version"'
    }
    assert http.get("/api/v1/prompts/support-reply/promote").status_code == 405
    wrong = http.put("/api/v1/prompts/support-reply/promote", json={"version": 1})
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
    code = http.post(
        "/api/v1/prompts/support-reply/override", json={"textContent": "t", "source": "code"}
    )
    assert code.json() == {"error": 'Validation error: Invalid input at "source"'}
    none = http.put("/api/v1/prompts/support-reply/override", json={"model": "m"})
    assert (none.status_code, none.json()) == (400, {"error": "No active override to update"})
    overridden = http.get("/api/v1/prompts/support-reply/override")
    assert (overridden.status_code, overridden.content) == (405, b"")
    assert http.post("/api/v1/prompts/support-reply/nope", json={}).status_code == 404
    query = http.get("/api/v1/prompts/support-reply", params={"version": "x"}).json()
    assert query["error"] == "Query Error"
    got = http.get("/api/v1/prompts/support-reply", params={"version": "1"}).json()["data"]
    assert (got["slug"], got["type"], got["version"]["version"], got["version"]["source"]) == (
        "support-reply",
        "text",
        1,
        "code",
    )


def test_public_token_scopes(trigger_emulator: Emulator) -> None:
    trigger_emulator.define_prompt("support-reply", "Hello {{name}}")
    trigger_emulator.define_prompt("other", "Other")

    def client(scopes: list[str]) -> httpx.Client:
        signed = jwt.sign(
            {"sub": trigger_emulator.environment_ids["dev"], "pub": True, "scopes": scopes},
            trigger_emulator.secret_key,
            now_s=int(time.time()),
            lifetime_s=600,
        )
        headers = {"authorization": f"Bearer {signed}"}
        return httpx.Client(base_url=trigger_emulator.url, headers=headers)

    with client(["read:prompts:support-reply"]) as http:
        assert http.post("/api/v1/prompts/support-reply", json={}).status_code == 200
        assert http.post("/api/v1/prompts/other", json={}).status_code == 403
        assert http.get("/api/v1/prompts").status_code == 403
        # Writing needs an update scope; an action checks it before looking the prompt up.
        assert http.delete("/api/v1/prompts/support-reply/override").status_code == 403
        assert http.post("/api/v1/prompts/nope", json={}).status_code == 403
    with client(["read:prompts", "update:prompts:support-reply"]) as http:
        assert http.get("/api/v1/prompts").status_code == 200
        assert http.delete("/api/v1/prompts/support-reply/override").json() == {"ok": True}


@pytest.mark.parametrize(
    ("template", "variables", "text"),
    [
        ("{{a}}|{{ a }}|{{  a}}", {"a": "x"}, "x|x|x"),
        ("{{a}}", {"a": None}, ""),
        ("{{a}}", {"a": ["x", None, 2]}, "x,,2"),
        ("{{a}}", {"a": {"k": 1}}, "[object Object]"),
        ("{{a}}", {"a": 1e21}, "1e+21"),
        ("{{#a}}yes{{/a}}", {"a": []}, "yes"),
        ("{{#a}}yes{{/a}}", {"a": ""}, ""),
        ("{{#a}}[{{b}}]{{/a}}", {"a": 1}, "[]"),
        ("{{#a}}[{{ b }}]{{/a}}", {"a": 1, "b": "x"}, "[x]"),
        ("{{#a}}one{{/a}} {{#a}}two{{/a}}", {"a": True}, "one two"),
        ("{{é}} {{a-b}}", {"é": "x", "a-b": "y"}, "{{é}} {{a-b}}"),
    ],
)
def test_compile_template_matches_the_servers(
    template: str, variables: dict[str, object], text: str
) -> None:
    # The expected texts are what the server's compileTemplate gives in Node.
    from trigger.emulator.engine.prompts import compile_template

    assert compile_template(template, variables) == text
