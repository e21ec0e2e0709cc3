"""Deployments (SERVER.md §2.9, §9): list, current, latest, retrieve, promote.

Every environment starts with one deployed, current, unmanaged deployment (the emulator runs
tasks itself, like a self-hosted worker) of the version runs are locked to when they start,
so ``current`` and ``latest`` answer from the start (``Emulator(seed_deployment=False)``
starts with none, as a project that never deployed: then both answer 404).
Its worker declares the tasks that have handlers. More deployments come from the control
plane: ``POST /_emulator/deployments {"env": "dev", "version"?, "status"?, "promote"?,
"git"?}``. Deployments carry the git metadata of a deploy from a clean local checkout
(``git`` in the body replaces it; ``null`` is a deploy without git, which the server lists
as ``git: null``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.durations import iso, js_date_ms, period_ms
from trigger.emulator.project import Environment
from trigger.emulator.routes._http import (
    builder_auth,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    json_response,
    loads,
    parse_query,
)
from trigger.emulator.routes._legacy import legacy_method_rejected, no_action, no_loader
from trigger.emulator.shapes import LOCAL_WORKER_VERSION
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_deployments import DeploymentRow, DeploymentStore, version_for
from trigger.emulator.validation import CoercedNumber, Enum, Obj, Str

__all__ = ["routes"]

_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
STATUSES = ("PENDING", "BUILDING", "DEPLOYING", "DEPLOYED", "FAILED", "CANCELED", "TIMED_OUT")

LIST_QUERY = Obj(
    {
        "from": Str().optional(),
        "to": Str().optional(),
        "period": Str().optional(),
        "status": Enum(STATUSES).optional(),
        "page[after]": Str().optional(),
        "page[size]": CoercedNumber(
            ("min", 1, "Limit must be at least 1"), ("max", 100, "Limit must be less than 100")
        ).optional(),
    }
)


def _git(state: EmulatorState, env: Environment, version: str) -> dict[str, object]:
    """What ``trigger deploy`` from a clean local checkout records (the CLI's git meta)."""
    sha = hashlib.sha1(f"{state.project.ref}:{env.slug}:{version}".encode()).hexdigest()
    return {
        "source": "local",
        "remoteUrl": "https://github.com/emulator/project.git",
        "commitAuthorName": "Emulator",
        "commitMessage": f"Deploy {version}",
        "commitRef": "main",
        "commitSha": sha,
        "dirty": False,
    }


def _new_row(
    state: EmulatorState,
    env: Environment,
    version: str,
    status: str,
    now: int,
    git: dict[str, object] | None,
) -> DeploymentRow:
    internal = state.ids.cuid()
    worker = state.ids.cuid()
    short_code = state.ids.token(8)
    return DeploymentRow(
        id=internal,
        friendly_id=f"deployment_{internal}",
        env_id=env.id,
        version=version,
        short_code=short_code,
        status=status,
        content_hash=hashlib.sha256(f"{env.id}:{version}".encode()).hexdigest()[:16],
        image_reference=f"trigger-emulator/{state.project.ref}:{version}.{env.slug}",
        worker_id=worker,
        worker_friendly_id=f"worker_{worker}",
        git=git,
        created_at=now,
        deployed_at=now if status == "DEPLOYED" else None,
    )


def _seeded(state: EmulatorState, env: Environment) -> DeploymentStore:
    """The store, after giving ``env`` its first (current) deployment if it has none."""
    store = DeploymentStore(state.store)
    if state.seed_deployment and store.count(env.id) == 0:
        now = state.now_ms()
        version = LOCAL_WORKER_VERSION
        row = _new_row(state, env, version, "DEPLOYED", now, _git(state, env, version))
        with state.store.transaction() as conn:
            if conn.execute("SELECT 1 FROM deployments WHERE env_id = ?", (env.id,)).fetchone():
                return store
            DeploymentStore.insert(conn, row, current=True)
    return store


def _listed(row: DeploymentRow, *, omit_empty: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.friendly_id,
        "createdAt": iso(row.created_at),
        "shortCode": row.short_code,
        "version": row.version,
        "runtime": row.runtime,
        "runtimeVersion": row.runtime_version,
        "status": row.status,
        "deployedAt": iso(row.deployed_at) if row.deployed_at is not None else None,
        "git": row.git,
    }
    if omit_empty:
        out = {k: v for k, v in out.items() if not (k in ("deployedAt", "git") and v is None)}
    if row.error_data is not None:
        out["error"] = row.error_data
    return out


def _env(request: Request, *, allow_jwt: bool) -> tuple[Any, Environment]:
    credential = builder_auth(request, allow_jwt=allow_jwt)
    assert credential.env is not None
    return credential, credential.env


@endpoint
async def list_deployments(request: Request) -> Response:
    """``GET /api/v1/deployments``: newest first, 5-100 a page (default 20), ``next`` cursor."""
    if request.method != "GET":
        legacy_method_rejected()
    credential, env = _env(request, allow_jwt=True)
    q = parse_query(request, LIST_QUERY)
    forbid_unless(credential, "read", [("deployments", "list")])
    state = emulator_state(request)
    store = _seeded(state, env)
    limit = max(min(q.get("page[size]") or 20, 100), 5)
    after = store.by_friendly_id(env.id, q["page[after]"]) if q.get("page[after]") else None
    now = state.now_ms()
    created_from = created_to = None
    if q.get("period"):
        duration = period_ms(q["period"])
        if duration is None:
            fail(500, "Internal Server Error")
        created_from, created_to = now - duration, now
    elif q.get("from"):
        created_from = js_date_ms(q["from"])
        if created_from is None:
            fail(500, "Internal Server Error")
        if q.get("to"):
            created_to = js_date_ms(q["to"])
            if created_to is None:
                fail(500, "Internal Server Error")
    rows = store.page(
        env.id,
        size=limit + 1,
        before_seq=after.seq if after is not None else None,
        status=q.get("status"),
        created_from=created_from,
        created_to=created_to,
    )
    pagination: dict[str, str] = {}
    if len(rows) > limit:
        rows = rows[:limit]
        pagination["next"] = rows[-1].friendly_id
    data = [_listed(row, omit_empty=False) for row in rows]
    return json_response({"data": data, "pagination": pagination})


@endpoint
async def current(request: Request) -> Response:
    """``GET /api/v1/deployments/current``."""
    if request.method != "GET":
        no_action()
    credential, env = _env(request, allow_jwt=True)
    state = emulator_state(request)
    row = _seeded(state, env).current(env.id)
    if row is None:
        fail(404, "Not found", {"x-should-retry": "false"})
    forbid_unless(credential, "read", [("deployments", "current")])
    return json_response(_listed(row, omit_empty=True))


@endpoint
async def latest(request: Request) -> Response:
    """``GET /api/v1/deployments/latest``: the newest unmanaged deployment."""
    if request.method != "GET":
        no_action()
    _, env = _env(request, allow_jwt=False)
    state = emulator_state(request)
    row = _seeded(state, env).latest(env.id, "UNMANAGED")
    if row is None:
        fail(404, "Deployment not found")
    return json_response(
        {
            "id": row.friendly_id,
            "status": row.status,
            "contentHash": row.content_hash,
            "shortCode": row.short_code,
            "version": row.version,
            "imageReference": row.image_reference,
            "errorData": row.error_data,
        }
    )


@endpoint
async def retrieve(request: Request) -> Response:
    """``GET /api/v1/deployments/{deploymentId}``: with its worker and tasks."""
    if request.method != "GET":
        no_action()
    _, env = _env(request, allow_jwt=False)
    state = emulator_state(request)
    row = _seeded(state, env).by_friendly_id(env.id, request.path_params["deployment_id"])
    if row is None:
        fail(404, "Deployment not found")
    tasks = list(row.tasks) or state.registry.ids()
    body: dict[str, Any] = {
        "id": row.friendly_id,
        "status": row.status,
        "contentHash": row.content_hash,
        "shortCode": row.short_code,
        "version": row.version,
        "imageReference": row.image_reference,
        "imagePlatform": row.image_platform,
        "commitSHA": None,
        "externalBuildData": None,
        "errorData": row.error_data,
        "canceledReason": None,
    }
    if row.worker_friendly_id is not None:
        body["worker"] = {
            "id": row.worker_friendly_id,
            "version": row.version,
            "tasks": [
                {
                    "id": f"task_{hashlib.sha256(f'{row.id}:{task}'.encode()).hexdigest()[:25]}",
                    "slug": task,
                    "filePath": "emulator",
                    "exportName": task,
                }
                for task in tasks
            ],
        }
    return json_response(body)


def _version_key(version: str) -> tuple[int, ...]:
    parts: list[int] = []
    for part in version.split("."):
        parts.append(int(part) if part.isdigit() else -1)
    return tuple(parts)


@endpoint
async def promote(request: Request) -> Response:
    """``POST /api/v1/deployments/{version}/promote`` (``?allowRollbacks=true``)."""
    if request.method == "GET":
        no_loader()
    if request.method != "POST":
        legacy_method_rejected()
    _, env = _env(request, allow_jwt=False)
    state = emulator_state(request)
    store = _seeded(state, env)
    row = store.by_version(env.id, request.path_params["version"])
    if row is None:
        fail(404, "Deployment not found")
    if row.worker_id is None:
        fail(400, "Deployment is not associated with a worker and cannot be promoted.")
    if row.status != "DEPLOYED":
        fail(400, "Deployment must be in the DEPLOYED state to be promoted.")
    now_current = store.current(env.id)
    if now_current is not None:
        if now_current.friendly_id == row.friendly_id:
            fail(400, "Deployment is already the current deployment.")
        rollbacks = request.query_params.get("allowRollbacks") == "true"
        if not rollbacks and _version_key(now_current.version) >= _version_key(row.version):
            fail(400, "Cannot promote a deployment that is older than the current deployment.")
    with state.store.transaction() as conn:
        DeploymentStore.make_current(conn, env.id, row.friendly_id)
    return json_response(
        {"id": row.friendly_id, "version": row.version, "shortCode": row.short_code}
    )


@endpoint
async def control_deploy(request: Request) -> Response:
    """``POST /_emulator/deployments``: add a deployment to an environment (control plane)."""
    state = emulator_state(request)
    try:
        body = loads((await request.body()).decode("utf-8", "replace") or "{}")
    except ValueError:
        fail(400, "Invalid JSON")
    if not isinstance(body, dict):
        fail(400, "Expected a JSON object")
    slug = body.get("env", "dev")
    env = state.project.envs.get("stg" if slug == "staging" else slug)
    if env is None:
        fail(400, "env must be dev, stg, prod or preview")
    status = body.get("status", "DEPLOYED")
    if status not in STATUSES:
        fail(400, f"status must be one of {', '.join(STATUSES)}")
    store = _seeded(state, env)
    now = state.now_ms()
    version = body.get("version")
    if version is None:
        version = version_for(now, store.count(env.id) + 1)
    if not isinstance(version, str) or not version:
        fail(400, "version must be a non-empty string")
    if store.by_version(env.id, version) is not None:
        fail(409, f"Version {version} already exists in {env.slug}")
    git = body["git"] if "git" in body else _git(state, env, version)
    if git is not None and not isinstance(git, dict):
        fail(400, "git must be an object or null")
    row = _new_row(state, env, version, status, now, git)
    with state.store.transaction() as conn:
        DeploymentStore.insert(conn, row, current=bool(body.get("promote", False)))
    return json_response(_listed(row, omit_empty=False), 201)


routes = [
    Route("/api/v1/deployments", list_deployments, methods=_ALL),
    Route("/api/v1/deployments/current", current, methods=_ALL),
    Route("/api/v1/deployments/latest", latest, methods=_ALL),
    Route("/api/v1/deployments/{deployment_id}", retrieve, methods=_ALL),
    Route("/api/v1/deployments/{version}/promote", promote, methods=_ALL),
    Route("/_emulator/deployments", control_deploy, methods=["POST"]),
]
