"""Prompt endpoints (SERVER.md §2.18, ``api.v1.prompts*.ts``), and defining prompts.

- ``GET /api/v1/prompts``: the environment's prompts, most recently updated first.
- ``GET /api/v1/prompts/{slug}`` (``?label=``, ``?version=``): the prompt and a version;
  ``POST`` (any method but GET) resolves it: the template compiled with ``variables``.
- ``GET …/versions``: newest first, at most 50.
- ``POST …/promote`` ``{version}``: a deployed version becomes ``current``.
- ``…/override``: ``POST`` writes a new override version, ``PUT``/``PATCH`` change the
  active one, ``DELETE`` removes it; ``POST …/override/reactivate`` ``{version}`` brings an
  earlier one back.
- ``POST /_emulator/prompts`` ``{slug, content, env?, description?, model?, config?,
  variableSchema?}`` (control plane): what deploying a worker that defines the prompt does.

The slug is the path segment after ``/api/v1/prompts/``, read from the raw path and then
percent-decoded, so an encoded ``/`` (``a%2Fb``) stays inside one slug. Statuses, bodies
and the order of checks are the server's builder routes': a loader answers an unknown slug
``404 {"error":"Not found"}`` before checking scopes; an action checks scopes first and
answers ``{"error":"Prompt not found"}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.engine import prompts as engine
from trigger.emulator.engine.prompts import PromptError, PromptRow, VersionRow
from trigger.emulator.project import Environment
from trigger.emulator.prompting import define_prompt, environment
from trigger.emulator.routes._http import (
    Reply,
    builder_auth,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    json_response,
    loads,
    method_not_allowed,
    parse_body,
    parse_query,
)
from trigger.emulator.routes._legacy import no_action
from trigger.emulator.shapes_prompts import list_item, retrieved, version_item
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_prompts import PromptStore
from trigger.emulator.validation import (
    MISSING,
    CoercedNumber,
    Custom,
    Num,
    Obj,
    Path,
    Schema,
    Str,
)

__all__ = ["routes"]

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_PREFIX = "/api/v1/prompts/"
_OVERRIDE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_VERSIONS_SHOWN = 50


class _Variables(Schema):
    """``z.record(z.unknown()).default({})``: a JSON object, ``{}`` when absent."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        if value is MISSING:
            return 0, {}, []
        status, _, issues = Obj({}).run(value, path)
        return status, value if not issues else MISSING, issues


RETRIEVE_QUERY = Obj({"label": Str().optional(), "version": CoercedNumber().optional()})
RESOLVE_BODY = Obj(
    {"variables": _Variables(), "label": Str().optional(), "version": Num().optional()}
)
VERSION_BODY = Obj({"version": Num(("int",), ("positive",))})


def _not_code(value: Any) -> tuple[list[tuple[str, Path]], Any]:
    # The route's refine has no message of its own: zod's default.
    if value.get("source") == engine.CODE_SOURCE:
        return [("Invalid input", ("source",))], value
    return [], value


CREATE_OVERRIDE_BODY = Custom(
    Obj(
        {
            "textContent": Str(),
            "model": Str().optional(),
            "commitMessage": Str().optional(),
            "source": Str().optional(),
        }
    ),
    _not_code,
)
UPDATE_OVERRIDE_BODY = Obj(
    {"textContent": Str().optional(), "model": Str().optional(), "commitMessage": Str().optional()}
)


def _loaded(state: EmulatorState, env: Environment, slug: str) -> PromptRow | None:
    return PromptStore(state.store).get(env.id, slug)


def _loader_find(state: EmulatorState, env: Environment, slug: str) -> PromptRow:
    """A loader's ``findResource``: its miss is the builder's generic 404."""
    prompt = _loaded(state, env, slug)
    if prompt is None:
        fail(404, "Not found", {"x-should-retry": "false"})
    return prompt


def _action_find(state: EmulatorState, env: Environment, slug: str) -> PromptRow:
    prompt = _loaded(state, env, slug)
    if prompt is None:
        fail(404, "Prompt not found")
    return prompt


def _save(state: EmulatorState, versions: list[VersionRow]) -> None:
    with state.store.transaction() as conn:
        PromptStore.put_versions(conn, versions)


def _refused(error: PromptError) -> Reply:
    return Reply(json_response({"error": str(error)}, error.status))


async def list_prompts(request: Request) -> Response:
    """``GET /api/v1/prompts``."""
    if request.method != "GET":
        no_action()
    credential = builder_auth(request, allow_jwt=True)
    forbid_unless(credential, "read", [("prompts", "all")])
    state = emulator_state(request)
    table = PromptStore(state.store)
    items = [
        list_item(prompt, table.versions(prompt.id))
        for prompt in table.in_env(credential.environment.id)
    ]
    return json_response({"data": items})


async def _one(request: Request, slug: str) -> Response:
    state = emulator_state(request)
    credential = builder_auth(request, allow_jwt=True)
    env = credential.environment
    if request.method == "GET":
        query = parse_query(request, RETRIEVE_QUERY)
        prompt = _loader_find(state, env, slug)
        forbid_unless(credential, "read", [("prompts", slug)])
        version = engine.resolve_version(
            PromptStore(state.store).versions(prompt.id),
            version=query.get("version"),
            label=query.get("label"),
        )
        if version is None:
            fail(404, "No version found")
        return json_response(retrieved(prompt, version))
    body = await parse_body(request, RESOLVE_BODY)
    forbid_unless(credential, "read", [("prompts", slug)])
    prompt = _action_find(state, env, slug)
    version = engine.resolve_version(
        PromptStore(state.store).versions(prompt.id),
        version=body.get("version"),
        label=body.get("label"),
    )
    if version is None:
        fail(404, "No version found")
    if not version.text_content:
        fail(404, "Prompt has no content")
    return json_response(
        {
            "data": {
                "promptId": prompt.friendly_id,
                "slug": prompt.slug,
                "version": version.version,
                "labels": list(version.labels),
                "template": version.text_content,
                "text": engine.compile_template(version.text_content, body["variables"]),
                "model": version.model if version.model is not None else prompt.default_model,
                "config": version.config if version.config is not None else prompt.default_config,
            }
        }
    )


async def _versions(request: Request, slug: str) -> Response:
    if request.method != "GET":
        no_action()
    state = emulator_state(request)
    credential = builder_auth(request, allow_jwt=True)
    prompt = _loader_find(state, credential.environment, slug)
    forbid_unless(credential, "read", [("prompts", slug)])
    versions = PromptStore(state.store).versions(prompt.id)[:_VERSIONS_SHOWN]
    return json_response({"data": [version_item(version) for version in versions]})


async def _by_version(request: Request, slug: str, *, reactivate: bool) -> Response:
    """``…/promote`` and ``…/override/reactivate``: ``{version}`` of this prompt."""
    if request.method == "GET":
        method_not_allowed("POST", empty=True)
    if request.method != "POST":
        method_not_allowed("POST")
    state = emulator_state(request)
    credential = builder_auth(request, allow_jwt=True)
    body = await parse_body(request, VERSION_BODY)
    forbid_unless(credential, "update", [("prompts", slug)])
    prompt = _action_find(state, credential.environment, slug)
    versions = PromptStore(state.store).versions(prompt.id)
    try:
        if reactivate:
            changed = engine.reactivate_override(versions, body["version"])
        else:
            changed = engine.promote(versions, body["version"])
    except PromptError as error:
        raise _refused(error) from None
    _save(state, changed)
    return json_response({"ok": True})


async def _override(request: Request, slug: str) -> Response:
    if request.method == "GET":
        raise Reply(Response(b"", 405))
    if request.method not in _OVERRIDE_METHODS:
        method_not_allowed(", ".join(_OVERRIDE_METHODS))
    state = emulator_state(request)
    credential = builder_auth(request, allow_jwt=True)
    forbid_unless(credential, "update", [("prompts", slug)])
    env = credential.environment
    table = PromptStore(state.store)
    if request.method == "DELETE":
        prompt = _action_find(state, env, slug)
        _save(state, engine.remove_label(table.versions(prompt.id), "override"))
        return json_response({"ok": True})
    if request.method == "POST":
        body = await parse_body(request, CREATE_OVERRIDE_BODY)
        prompt = _action_find(state, env, slug)
        changed, created = engine.create_override(
            prompt,
            table.versions(prompt.id),
            make_id=state.ids.cuid,
            text_content=body["textContent"],
            model=body.get("model"),
            commit_message=body.get("commitMessage"),
            source=body.get("source", "api"),
            now=state.now_ms(),
        )
        _save(state, changed)
        return json_response({"ok": True, "version": created.version})
    body = await parse_body(request, UPDATE_OVERRIDE_BODY)
    prompt = _action_find(state, env, slug)
    try:
        updated = engine.update_override(
            table.versions(prompt.id),
            text_content=body.get("textContent"),
            model=body.get("model"),
            commit_message=body.get("commitMessage"),
        )
    except PromptError as error:
        raise _refused(error) from None
    _save(state, [updated])
    return json_response({"ok": True})


def _not_found() -> Response:
    return json_response({"error": "Not found"}, 404)


@endpoint
async def prompts(request: Request) -> Response:
    """Everything under ``/api/v1/prompts``, dispatched on the raw path."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    if path in ("/api/v1/prompts", _PREFIX[:-1]):
        return await list_prompts(request)
    if not path.startswith(_PREFIX) or path.endswith("/"):
        return _not_found()
    segment, _, suffix = path[len(_PREFIX) :].partition("/")
    slug = unquote(segment)
    if suffix == "":
        return await _one(request, slug)
    if suffix == "versions":
        return await _versions(request, slug)
    if suffix == "promote":
        return await _by_version(request, slug, reactivate=False)
    if suffix == "override":
        return await _override(request, slug)
    if suffix == "override/reactivate":
        return await _by_version(request, slug, reactivate=True)
    return _not_found()


@endpoint
async def define(request: Request) -> Response:
    """``POST /_emulator/prompts``: define a prompt as a deploy would."""
    state = emulator_state(request)
    try:
        given = loads((await request.body()).decode("utf-8", "replace"))
    except ValueError:
        fail(400, "Invalid JSON")
    if not isinstance(given, dict):
        fail(400, "The body must be a JSON object")
    unknown = set(given) - {
        "slug",
        "content",
        "env",
        "description",
        "model",
        "config",
        "variableSchema",
    }
    if unknown:
        fail(400, f"Unknown field(s): {', '.join(sorted(unknown))}")
    missing = [name for name in ("slug", "content") if name not in given]
    if missing:
        fail(400, f"Missing field(s): {', '.join(missing)}")
    try:
        env = environment(state, given.get("env", "dev"))
        prompt, version, created = define_prompt(
            state,
            env,
            given.get("slug", ""),
            given.get("content", ""),
            description=given.get("description"),
            model=given.get("model"),
            config=given.get("config"),
            variable_schema=given.get("variableSchema"),
        )
    except (TypeError, ValueError) as error:
        fail(400, str(error))
    return json_response(
        {
            "slug": prompt.slug,
            "id": prompt.friendly_id,
            "env": env.slug,
            "version": version.version,
            "created": created,
        }
    )


routes = [
    Route("/api/v1/prompts", prompts, methods=_METHODS),
    Route("/api/v1/prompts/{rest:path}", prompts, methods=_METHODS),
    Route("/_emulator/prompts", define, methods=["POST"]),
]
