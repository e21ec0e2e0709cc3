"""Environment variables: ``/api/v1/projects/{ref}/envvars/{env}[/{name}|/import]`` (§2.6).

Accepted credentials: a personal access token (any environment of the project) or a secret
key (JWTs never). With a secret key the project ref must be the key's, and the environment
slug is only checked when the branch differs too, so a root key asking for another
environment gets its own environment's variables (measured on the real server). Secret
values read back as ``<redacted>``; a branch environment sees its parent's variables too.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.auth import AuthFailure, authenticate_pat, bearer
from trigger.emulator.engine import envvars as engine
from trigger.emulator.engine.envvars import EnvVarError
from trigger.emulator.project import Environment
from trigger.emulator.routes._http import (
    Reply,
    builder_auth,
    emulator_state,
    endpoint,
    fail,
    json_response,
    legacy_json_body,
    loads,
)
from trigger.emulator.routes._legacy import invalid_body, no_handler, no_loader
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_envvars import EnvVarStore
from trigger.emulator.validation import Bool, Enum, Obj, Path, Schema, Str, Union

__all__ = ["routes"]

_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_NOT_FOUND = "Environment variable not found"


class _StringRecord(Schema):
    """``z.record(z.string())``."""

    def run(self, value: Any, path: Path) -> tuple[int, Any, list[dict[str, Any]]]:
        status, _, issues = Obj({}).run(value, path)
        if issues:
            return status, value, issues
        for key, item in value.items():
            status, _, issues = Str().run(item, (*path, key))
            if issues:
                return status, value, issues
        return 0, dict(value), []


CREATE_BODY = Obj({"name": Str(), "value": Str(), "isSecret": Bool().optional()})
UPDATE_BODY = Obj({"value": Str()})
IMPORT_BODY = Obj(
    {
        "variables": _StringRecord(),
        "parentVariables": _StringRecord().optional(),
        "override": Bool().optional(),
        "isSecret": Bool().optional(),
        # z.discriminatedUnion on "type"; the route answers any issue with "Invalid body".
        "source": Union(
            Obj({"type": Enum(["user"]), "userId": Str()}),
            Obj({"type": Enum(["integration"]), "integration": Str()}),
        ).optional(),
    }
)


def _sanitize_branch(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = value.strip()
    return cleaned or None


def _environment(request: Request, state: EmulatorState) -> Environment:
    """Authenticate and resolve the target environment, in the server's order."""
    project = state.project
    ref = request.path_params["project_ref"]
    slug = request.path_params["slug"]
    if slug == "staging":
        slug = "stg"
    branch = _sanitize_branch(request.headers.get("x-trigger-branch"))
    if slug == "dev" and branch == "default":
        branch = None
    token = bearer(request.headers.get("authorization"))
    if token is not None and token.startswith("tr_pat_"):
        try:
            authenticate_pat(
                project, request.headers.get("authorization"), strict=state.strict_keys
            )
        except AuthFailure:
            pass  # not a usable PAT: the server goes on to try it as an API key
        else:
            if ref != project.ref:
                fail(404, "Project not found")
            if branch is None:
                env = project.envs.get(slug)
                if env is None:
                    fail(404, "Environment not found")
                return env
            parent = project.envs["dev" if slug == "dev" else "preview"]
            found = project.branch(parent, branch, create=False)
            if found is None:
                fail(404, "Branch not found")
            return found
    credential = builder_auth(request, allow_jwt=False)
    env = credential.env
    assert env is not None
    if ref != project.ref:
        fail(
            400,
            "Invalid project ref for this API key. Make sure you are using an API key "
            "associated with that project.",
        )
    if env.slug != slug and env.branch != branch:
        fail(
            400,
            "Invalid environment slug for this API key. Make sure you are using an API key "
            "associated with that environment.",
        )
    return env


def _visible_values(state: EmulatorState, env: Environment) -> list[dict[str, Any]]:
    store = EnvVarStore(state.store)
    own = store.values(env.id)
    parent = store.values(env.parent_id) if env.parent_id else []
    secret = {value.name for value in [*own, *parent] if value.is_secret}
    return [
        {
            "name": value.name,
            "value": engine.REDACTED if value.name in secret else value.value,
            "isSecret": value.name in secret,
        }
        for value in engine.merged(own, parent)
    ]


def _write(
    state: EmulatorState,
    env: Environment,
    variables: list[tuple[str, str]],
    *,
    override: bool,
    is_secret: bool | None,
) -> None:
    store = EnvVarStore(state.store)
    existing = {value.name: value for value in store.values(env.id)}
    parent = {value.name: value for value in store.values(env.parent_id)} if env.parent_id else {}
    kept = engine.plan_create(variables, existing, override=override, env_type=env.type)
    with state.store.transaction() as conn:
        for name, value in kept:
            secret = is_secret
            if secret is None and name not in existing and parent.get(name) is not None:
                # A new branch value inherits its parent's secrecy.
                secret = parent[name].is_secret or None
            EnvVarStore.put(conn, env.id, name, value, secret)


def _refused(error: EnvVarError) -> Reply:
    body: dict[str, Any] = {"error": str(error)}
    if error.variable_errors is not None:
        body["variableErrors"] = error.variable_errors
    return Reply(json_response(body, 400))


@endpoint
async def collection(request: Request) -> Response:
    """``GET`` (every variable) and ``POST`` (create, always overriding)."""
    state = emulator_state(request)
    env = _environment(request, state)
    if request.method == "GET":
        return json_response(_visible_values(state, env))
    if request.method != "POST":
        no_handler()
    body, issues = CREATE_BODY.parse(await legacy_json_body(request))
    if issues:
        invalid_body(issues)
    try:
        _write(
            state,
            env,
            [(body["name"], body["value"])],
            override=True,
            is_secret=body.get("isSecret"),
        )
    except EnvVarError as error:
        raise _refused(error) from None
    return json_response({"success": True})


@endpoint
async def one(request: Request) -> Response:
    """``GET``, ``PUT``/``POST`` (change the value) and ``DELETE`` of one variable."""
    state = emulator_state(request)
    env = _environment(request, state)
    name = request.path_params["name"]
    store = EnvVarStore(state.store)
    if not store.exists_in_project(name):
        fail(404, _NOT_FOUND)
    if request.method == "GET":
        for item in _visible_values(state, env):
            if item["name"] == name:
                return json_response(item)
        fail(404, _NOT_FOUND)
    if request.method == "DELETE":
        with state.store.transaction() as conn:
            deleted = EnvVarStore.delete(conn, env.id, name)
        if not deleted:
            fail(400, "Environment variable value not found")
        return json_response({"success": True})
    if request.method not in ("PUT", "POST"):
        no_handler()
    body, issues = UPDATE_BODY.parse(await legacy_json_body(request))
    if issues:
        invalid_body(issues)
    if body["value"].strip():
        with state.store.transaction() as conn:
            EnvVarStore.put(conn, env.id, name, body["value"], None)
    return json_response({"success": True})


_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([\w.-]+)\s*=\s*(.*?)\s*$")


def _dotenv(text: str) -> dict[str, str]:
    """The ``KEY=value`` pairs of dotenv text (quotes stripped, comments skipped)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        match = _DOTENV_LINE.match(line)
        if not match:
            continue
        key, value = match.group(1), match.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"`":
            value = value[1:-1]
            if match.group(2)[0] == '"':
                value = value.replace("\\n", "\n")
        else:
            value = value.split(" #", 1)[0].strip()
        out[key] = value
    return out


def _multipart(content_type: str, raw: bytes) -> tuple[dict[str, str] | None, bool]:
    """The dotenv file in field ``variables`` and the ``override`` field of a form."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + raw
    )
    variables: dict[str, str] | None = None
    override = False
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if name == "variables" and part.get_filename() is not None:
            variables = _dotenv(data.decode("utf-8", "replace"))
        elif name == "override":
            override = data.decode("utf-8", "replace") == "true"
    return variables, override


@endpoint
async def import_variables(request: Request) -> Response:
    """``POST …/import``: JSON ``{variables, override?}`` or a dotenv file upload."""
    if request.method == "GET":
        no_loader()
    state = emulator_state(request)
    env = _environment(request, state)
    content_type = request.headers.get("content-type", "application/json")
    parent_variables: dict[str, str] | None = None
    is_secret: bool | None = None
    if "multipart/form-data" in content_type:
        variables, override = _multipart(content_type, await request.body())
        if variables is None:
            fail(400, "Invalid file")
    else:
        raw = (await request.body()).decode("utf-8", "replace")
        try:
            parsed_json = loads(raw)
        except ValueError:
            no_handler()
        body, issues = IMPORT_BODY.parse(parsed_json)
        if issues:
            fail(400, "Invalid body")
        variables = body["variables"]
        override = bool(body.get("override", False))
        is_secret = body.get("isSecret")
        parent_variables = body.get("parentVariables")
    assert variables is not None
    child_error: EnvVarError | None = None
    try:
        _write(state, env, list(variables.items()), override=override, is_secret=is_secret)
    except EnvVarError as error:
        child_error = error
    if env.parent_id and parent_variables is not None:
        parent_env = state.project.env_by_id(env.parent_id)
        assert parent_env is not None
        parent_error: EnvVarError | None = None
        try:
            _write(
                state,
                parent_env,
                list(parent_variables.items()),
                override=override,
                is_secret=is_secret,
            )
        except EnvVarError as error:
            parent_error = error
        if child_error is None or parent_error is None:
            return json_response({"success": True})
        raise _refused(child_error)
    if child_error is not None:
        raise _refused(child_error)
    return json_response({"success": True})


routes = [
    Route("/api/v1/projects/{project_ref}/envvars/{slug}", collection, methods=_ALL),
    Route("/api/v1/projects/{project_ref}/envvars/{slug}/import", import_variables, methods=_ALL),
    Route("/api/v1/projects/{project_ref}/envvars/{slug}/{name}", one, methods=_ALL),
]
