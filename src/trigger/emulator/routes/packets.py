"""Packet endpoints and the emulator's own object storage.

- ``PUT /api/v2/packets/{path}``: ``{presignedUrl, storagePath}`` to upload a packet (what
  the SDKs use to offload a large payload); ``PUT /api/v1/packets/{path}``:
  ``{presignedUrl}``. Legacy routes: secret keys only; another method is Remix's 200
  ``{"status":405,"body":"Method Not Allowed"}``.
- ``GET /api/v1/packets/{path}``: ``{presignedUrl}`` to download one (keys or public tokens).
- ``PUT``/``GET /_emulator/storage/packets/{key}``: the presigned URLs' target (no key: the
  URL's signature is the authorization), like an S3 bucket.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.packets import STORAGE_PREFIX, presign, signature
from trigger.emulator.project import Environment
from trigger.emulator.routes._http import (
    Reply,
    builder_auth,
    emulator_state,
    endpoint,
    json_response,
    legacy_auth,
)
from trigger.emulator.routes._legacy import legacy_method_rejected
from trigger.emulator.store_packets import PacketStore

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
    Route("/api/v2/packets/{path:path}", packet_v2, methods=_METHODS),
    Route("/api/v1/packets/{path:path}", packet_v1, methods=_METHODS),
    Route(STORAGE_PREFIX + "{key:path}", storage, methods=["GET", "PUT", "POST", "DELETE"]),
]
