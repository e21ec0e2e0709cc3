"""Packet endpoints and the emulator's own object storage.

- ``PUT /api/v2/packets/{path}``: ``{presignedUrl, storagePath}`` to upload a packet (what
  the SDKs use to offload a large payload); ``PUT /api/v1/packets/{path}``:
  ``{presignedUrl}``. Legacy routes: secret keys only; another method is Remix's 200
  ``{"status":405,"body":"Method Not Allowed"}``.
- ``GET /api/v1/packets/{path}``: ``{presignedUrl}`` to download one (keys or public tokens).
- ``GET /api/v1/runs/{runId}/packets/{payload|output}``: ``{presignedUrl}`` for a run's
  offloaded payload or output, authorized against the run (keys, or public tokens that may
  read the run). The 4.8.3 client asks here first and falls back to ``/api/v1/packets`` on a
  404; the snapshot server has no such route, so its answers follow the client's schema: 404
  ``{"error": "Not found"}`` for an unknown run or a packet kept inline.
- ``PUT``/``GET /_emulator/storage/packets/{key}``: the presigned URLs' target (no key: the
  URL's signature is the authorization), like an S3 bucket.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.auth import Resource
from trigger.emulator.packets import STORAGE_PREFIX, STORE_TYPE, presign, signature
from trigger.emulator.project import Environment
from trigger.emulator.routes._http import (
    Reply,
    builder_auth,
    emulator_state,
    endpoint,
    fail,
    forbid_unless,
    json_response,
    legacy_auth,
    method_not_allowed,
)
from trigger.emulator.routes._legacy import legacy_method_rejected
from trigger.emulator.store_packets import PacketStore
from trigger.emulator.validation import Enum, Obj, Str

__all__ = ["routes"]

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_LEGACY_MESSAGE = "Invalid or Missing API key"


def _env(env: Environment | None) -> Environment:
    assert env is not None
    return env


def _upload_url(request: Request) -> str:
    credential = legacy_auth(request, _LEGACY_MESSAGE)
    state = emulator_state(request)
    return presign(
        state.url,
        state.project,
        _env(credential.env),
        request.path_params["path"],
        "PUT",
        state.now_ms(),
    )


def _no_path(request: Request) -> None:
    # The server's trailing-slash redirect answers before the route (``/api/v1/packets/``).
    if not request.path_params["path"]:
        target = request.url.path.rstrip("/")
        body = f"Moved Permanently. Redirecting to {target}".encode()
        raise Reply(Response(body, 301, {"location": target}, media_type="text/plain"))


@endpoint
async def packet_v2(request: Request) -> Response:
    """``PUT /api/v2/packets/{path}``: an upload URL and the path to trigger with."""
    _no_path(request)
    if request.method in ("GET", "HEAD"):  # no loader on this route
        raise Reply(json_response({"message": "Unexpected Server Error"}, 400))
    if request.method != "PUT":
        legacy_method_rejected()
    url = _upload_url(request)
    return json_response({"presignedUrl": url, "storagePath": request.path_params["path"]})


@endpoint
async def packet_v1(request: Request) -> Response:
    """``GET /api/v1/packets/{path}`` (download URL) and ``PUT`` (upload URL)."""
    _no_path(request)
    if request.method in ("GET", "HEAD"):
        credential = builder_auth(request, allow_jwt=True)
        state = emulator_state(request)
        url = presign(
            state.url,
            state.project,
            _env(credential.env),
            request.path_params["path"],
            "GET",
            state.now_ms(),
        )
        return json_response({"presignedUrl": url})
    if request.method != "PUT":
        legacy_method_rejected()
    return json_response({"presignedUrl": _upload_url(request)})


_RUN_PACKET_PARAMS = Obj({"run_id": Str(), "field": Enum(("payload", "output"))})


@endpoint
async def run_packet(request: Request) -> Response:
    """``GET /api/v1/runs/{runId}/packets/{field}``: a download URL for a stored packet."""
    if request.method != "GET":
        method_not_allowed("GET", empty=True)
    credential = builder_auth(request, allow_jwt=True)
    params, issues = _RUN_PACKET_PARAMS.parse(dict(request.path_params))
    if issues:
        raise Reply(json_response({"error": "Params Error", "details": issues}, 400))
    state = emulator_state(request)
    env = _env(credential.env)
    run = state.store.get_run(env.id, params["run_id"])
    if run is None:
        fail(404, "Not found", {"x-should-retry": "false"})
    readable: list[Resource] = [("runs", run.friendly_id), ("tasks", run.task)]
    readable.extend(("tags", tag) for tag in run.tags)
    if run.batch_id:
        readable.append(("batch", run.batch_id))
    forbid_unless(credential, "read", readable)
    path, kind = (
        (run.payload, run.payload_type)
        if params["field"] == "payload"
        else (run.output, run.output_type)
    )
    if kind != STORE_TYPE or not path:
        fail(404, "Not found", {"x-should-retry": "false"})
    url = presign(state.url, state.project, env, path, "GET", state.now_ms())
    return json_response({"presignedUrl": url})


def _storage_error(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Response(body.encode(), status, media_type="application/xml")


@endpoint
async def storage(request: Request) -> Response:
    """The presigned URLs' target: ``PUT`` stores the body, ``GET`` serves it back."""
    state = emulator_state(request)
    key = request.path_params["key"]
    method = "GET" if request.method == "HEAD" else request.method
    if method not in ("GET", "PUT"):
        return _storage_error(405, "MethodNotAllowed", "The method is not allowed.")
    parts = key.split("/", 2)
    env = state.project.envs.get(parts[1]) if len(parts) == 3 else None
    expires_text = request.query_params.get("expires", "")
    given = request.query_params.get("signature", "")
    if (
        env is None
        or parts[0] != state.project.ref
        or not expires_text.isdigit()
        or not hmac.compare_digest(given, signature(env, method, key, int(expires_text)))
    ):
        return _storage_error(403, "SignatureDoesNotMatch", "The signature does not match.")
    if int(expires_text) < state.now_ms() // 1000:
        return _storage_error(403, "AccessDenied", "Request has expired")
    packets = PacketStore(state.store)
    if method == "PUT":
        content_type = request.headers.get("content-type") or "binary/octet-stream"
        data = await request.body()
        with state.store.transaction() as conn:
            packets.put(conn, key, content_type, data, state.now_ms())
        return Response(b"", 200)
    found = packets.get(key)
    if found is None:
        return _storage_error(404, "NoSuchKey", "The specified key does not exist.")
    content_type, data = found
    return Response(data, 200, headers={"content-type": content_type})


routes = [
    Route("/api/v1/runs/{run_id}/packets/{field}", run_packet, methods=_METHODS),
    Route("/api/v2/packets/{path:path}", packet_v2, methods=_METHODS),
    Route("/api/v1/packets/{path:path}", packet_v1, methods=_METHODS),
    Route(STORAGE_PREFIX + "{key:path}", storage, methods=["GET", "PUT", "POST", "DELETE"]),
]
