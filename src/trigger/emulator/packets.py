"""Packets: presigned storage URLs that point at the emulator, and offloading large data.

The server keeps payloads and outputs above its thresholds in object storage and hands out
presigned URLs (five minutes) to upload and download them. The emulator is its own object
storage: ``/_emulator/storage/packets/<projectRef>/<env slug>/<path>`` accepts ``PUT`` and
serves ``GET`` with the content type the object was uploaded with, when the URL's signature
(HMAC-SHA256 with the environment's secret key over the method, key and expiry) holds.

- A trigger whose inline payload is 512 KiB or more (``TASK_PAYLOAD_OFFLOAD_THRESHOLD``) is
  stored as ``<run id>/payload.json`` with ``payloadType: application/store``, as the server
  does; a handler's output of 128 KiB or more is stored as ``<run id>/output.json``, as the
  official worker does (its superjson document, ``application/super+json``, measured).
  Retrieving such a run gives ``payloadPresignedUrl`` or ``outputPresignedUrl`` instead of
  the value.
- A handler always receives the payload itself, read back from storage when offloaded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Callable
from typing import Any

import msgspec

from trigger.emulator.engine.runs import RunState
from trigger.emulator.jsjson import superjson_stringify
from trigger.emulator.project import Environment, Project
from trigger.emulator.shapes import MISSING_VALUE, decode_packet
from trigger.emulator.store import Store
from trigger.emulator.store_packets import PacketStore

__all__ = [
    "OUTPUT_OFFLOAD_BYTES",
    "PAYLOAD_OFFLOAD_BYTES",
    "PRESIGN_SECONDS",
    "STORAGE_PREFIX",
    "STORE_TYPE",
    "SUPERJSON_TYPE",
    "load_payload",
    "object_key",
    "offload_output",
    "offload_payload",
    "presign",
    "presigner",
    "signature",
]

STORE_TYPE = "application/store"
SUPERJSON_TYPE = "application/super+json"
PAYLOAD_OFFLOAD_BYTES = 524_288
"""Inline payloads this large or larger are offloaded by the trigger route."""
OUTPUT_OFFLOAD_BYTES = 131_072
"""Handler outputs this large or larger are offloaded (the worker's threshold)."""
PRESIGN_SECONDS = 300
"""How long a presigned URL holds."""
STORAGE_PREFIX = "/_emulator/storage/packets/"

_EXTENSIONS = {"application/json": "json", "application/super+json": "json", "text/plain": "txt"}


def object_key(project: Project, env: Environment, path: str) -> str:
    """The storage key of a packet path: ``<projectRef>/<env slug>/<path>``."""
    return f"{project.ref}/{env.slug}/{path}"


def signature(env: Environment, method: str, key: str, expires_s: int) -> str:
    """The signature of a presigned URL (hex HMAC-SHA256 with the environment's key)."""
    message = f"{method.upper()}\n{key}\n{expires_s}".encode()
    return hmac.new(env.api_key.encode(), message, hashlib.sha256).hexdigest()


def presign(
    base_url: str, project: Project, env: Environment, path: str, method: str, now_ms: int
) -> str:
    """A URL of the emulator's storage that allows ``method`` on ``path`` for five minutes."""
    key = object_key(project, env, path)
    expires = now_ms // 1000 + PRESIGN_SECONDS
    query = urllib.parse.urlencode(
        {"expires": expires, "signature": signature(env, method, key, expires)}
    )
    return f"{base_url}{STORAGE_PREFIX}{urllib.parse.quote(key)}?{query}"


def presigner(
    base_url: str, project: Project, run: RunState, now_ms: int
) -> Callable[[str], str] | None:
    """Presigns ``GET`` URLs of a run's stored packets (``None`` when its env is gone)."""
    env = project.env_by_id(run.env_id)
    if env is None:
        return None
    return lambda path: presign(base_url, project, env, path, "GET", now_ms)


def _extension(data_type: str) -> str:
    return _EXTENSIONS.get(data_type, "txt")


def _offload(
    store: Store,
    conn: Any,
    project: Project,
    run: RunState,
    name: str,
    data: str,
    data_type: str,
    now: int,
) -> str | None:
    env = project.env_by_id(run.env_id)
    if env is None:
        return None
    path = f"{run.friendly_id}/{name}.{_extension(data_type)}"
    PacketStore(store).put(conn, object_key(project, env, path), data_type, data.encode(), now)
    return path


def offload_payload(store: Store, conn: Any, project: Project, run: RunState) -> RunState:
    """The run with its payload in storage when it is too large to keep inline."""
    payload = run.payload
    if run.payload_type == STORE_TYPE or payload is None:
        return run
    if len(payload.encode("utf-8")) < PAYLOAD_OFFLOAD_BYTES:
        return run
    path = _offload(store, conn, project, run, "payload", payload, run.payload_type, run.created_at)
    if path is None:
        return run
    return msgspec.structs.replace(run, payload=path, payload_type=STORE_TYPE)


def offload_output(
    store: Store, conn: Any, project: Project, run: RunState, output: str | None, now: int
) -> tuple[str | None, str]:
    """``(output, outputType)`` to store: a storage path when the output is large.

    As the official worker does (measured), a large output is kept as its superjson document
    (``{"json": value}``) with the content type ``application/super+json``.
    """
    if output is None or len(output.encode("utf-8")) < OUTPUT_OFFLOAD_BYTES:
        return output, "application/json"
    document = superjson_stringify(json.loads(output))
    path = _offload(store, conn, project, run, "output", document, SUPERJSON_TYPE, now)
    return (path, STORE_TYPE) if path is not None else (output, "application/json")


def load_payload(store: Store, project: Project, run: RunState) -> Any:
    """The payload a handler receives: decoded, read from storage when it was offloaded.

    ``MISSING_VALUE`` when the run has none (or its stored packet is gone).
    """
    if run.payload_type != STORE_TYPE:
        return decode_packet(run.payload, run.payload_type)
    env = project.env_by_id(run.env_id)
    found = PacketStore(store).get(object_key(project, env, run.payload or "")) if env else None
    if found is None:
        return MISSING_VALUE
    content_type, data = found
    text = data.decode("utf-8", "replace")
    base_type = content_type.split(";")[0].strip()
    if base_type in ("application/json", "application/super+json"):
        try:
            value = json.loads(text)
        except ValueError:
            return text
        if base_type == "application/super+json" and isinstance(value, dict):
            return value.get("json")
        return value
    return text
