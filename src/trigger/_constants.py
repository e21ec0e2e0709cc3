"""Fixed values of the wire protocol and the SDK's defaults."""

from __future__ import annotations

DEFAULT_BASE_URL = "https://api.trigger.dev"
DEFAULT_TIMEOUT = 60.0
"""Seconds per attempt. Management calls are quick; 60 s leaves room for large pages."""
DEFAULT_CONNECT_TIMEOUT = 10.0

# With exactly this value the server answers with the current run-status vocabulary.
API_VERSION = "2025-07-16"

IDEMPOTENCY_HEADER = "x-trigger-request-idempotency-key"

# Headers the SDK (or httpx, for the body's framing) owns; user-supplied extra headers may not
# replace them. A wrong content-length or a transfer-encoding beside httpx's content-length
# would corrupt the request on the wire.
RESERVED_HEADERS = frozenset(
    {
        "accept-encoding",
        "authorization",
        "content-length",
        "content-type",
        "transfer-encoding",
        "trigger-version",
        "x-trigger-api-version",
        "x-trigger-branch",
        "x-trigger-realtime-streams-version",
        IDEMPOTENCY_HEADER,
    }
)

ACCEPT_ENCODING = "gzip, deflate"
"""The response codings the SDK asks for: those it decodes in bounded steps."""

DEFAULT_MAX_RESPONSE_SIZE = 64 * 1024 * 1024
"""64 MiB: the largest body the SDK reads unless told otherwise.

The API's own answers are far smaller (a page of 100 runs is ~175 KB; payloads and outputs
are limited to 3 MiB), so this leaves room for large query results and packet downloads
while keeping a broken or hostile server from filling the memory.
"""
