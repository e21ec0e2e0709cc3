"""Masking of credentials in log records of the SDK and of the HTTP stack below it.

Some URLs the SDK requests are credentials themselves: presigned storage URLs (their query
string carries the signature) and waitpoint callback URLs (their last path segment is an
HMAC). httpx logs every URL at INFO, and httpcore logs response headers (``x-trigger-jwt``)
and exception texts at DEBUG, so a filter on each of their loggers rewrites the records
before any handler sees them:

* the query string of any URL outside a Trigger.dev API base URL is replaced by ``***``;
* signature-like query parameters (``X-Amz-Signature``, ``sig``...) are masked in any URL;
* the segment after ``/callback/`` is masked;
* ``Bearer`` credentials, ``tr_…`` keys and credential-carrying headers are masked.

A filter applies only to records created on its own logger (not to those propagated from
child loggers), hence one per logger name in `LOGGERS`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from urllib.parse import urlsplit

__all__ = ["LOGGERS", "install", "mask_path", "mask_text", "register_api_base"]

LOGGERS = (
    "trigger",
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    # Used by h2 when HTTP/2 is on; they log header lists (":path" with the query).
    "hpack.hpack",
    "hpack.table",
)
"""Every logger the SDK or its HTTP stack writes to; each gets the masking filter."""

MASK = "***"

_URL = re.compile(r"https?://[^\s'\"<>\\]+", re.IGNORECASE)
_CALLBACK = re.compile(r"(/callback/)[^/?#\s'\"\\]+")
_SIGNED_PARAM = re.compile(
    r"([?&](?:x-amz-[a-z-]*|x-goog-[a-z-]*|signature|sig|policy|key-pair-id|token|"
    r"access_token)=)[^&#\s'\"\\]+",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(bearer\s+)[^\s'\",;)\\]+", re.IGNORECASE)
_KEY = re.compile(r"\b(tr_(?:dev|stg|prod|preview|pat)_)[A-Za-z0-9_\-]+")
# A header as httpcore and hpack log it: (b'name', b'value') or ('name', 'value').
_SECRET_HEADER = re.compile(
    r"""(\(\s*b?['"](?:x-trigger-jwt|authorization|proxy-authorization|cookie|set-cookie)"""
    r"""['"]\s*,\s*b?)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""",
    re.IGNORECASE,
)
# Cheap test before any regex: text without one of these has nothing to mask.
_HINTS = ("://", "/callback/", "earer", "tr_", "?", "&", "'", '"')

_lock = threading.Lock()
_api_bases: frozenset[str] = frozenset()


def _normalized(url: str) -> str | None:
    """``scheme://host[:port]/path`` with the host lower-cased and a default port dropped."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != {"http": 80, "https": 443}.get(scheme):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{parts.path}"


def register_api_base(base_url: str) -> None:
    """Remember an API base URL: its URLs keep their (useful, non-secret) query strings."""
    global _api_bases
    normalized = _normalized(base_url)
    if normalized is None or normalized.rstrip("/") in _api_bases:
        return
    with _lock:
        _api_bases = _api_bases | {normalized.rstrip("/")}


def _is_api_url(url: str) -> bool:
    normalized = _normalized(url)
    if normalized is None:
        return False
    return any(normalized == base or normalized.startswith(base + "/") for base in _api_bases)


def _mask_url(match: re.Match[str]) -> str:
    url = match.group()
    if "?" not in url or _is_api_url(url):
        return url
    return url.split("?", 1)[0] + "?" + MASK


def mask_path(path: str) -> str:
    """``path`` with every segment that authenticates a request (``/callback/<hash>``) masked."""
    return _CALLBACK.sub(r"\1" + MASK, path) if "/callback/" in path else path


def mask_text(text: str) -> str:
    """``text`` with every credential the SDK knows how to recognise masked."""
    if not any(hint in text for hint in _HINTS):
        return text
    if "://" in text:
        text = _URL.sub(_mask_url, text)
    if "?" in text or "&" in text:
        text = _SIGNED_PARAM.sub(r"\1" + MASK, text)
    text = mask_path(text)
    if "earer" in text:
        text = _BEARER.sub(r"\1" + MASK, text)
    if "tr_" in text:
        text = _KEY.sub(r"\1" + MASK, text)
    if "(" in text:
        text = _SECRET_HEADER.sub(r"\1'" + MASK + "'", text)
    return text


def _mask_arg(arg: object) -> object:
    if arg is None or isinstance(arg, (bool, int, float)):
        return arg
    try:
        text = arg if isinstance(arg, str) else str(arg)
    except Exception:  # a broken __str__ is the handler's problem, as without the filter
        return arg
    masked = mask_text(text)
    # Unchanged arguments keep their type, so "%d" or "%r" format exactly as before.
    return arg if masked == text else masked


class MaskingFilter(logging.Filter):
    """Rewrites a record's message and arguments with `mask_text`; never drops a record."""

    trigger_masking = True
    """Marks the filter, so installing twice (or after a reload) adds it once."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place (every handler then sees the masked record)."""
        record.msg = _mask_arg(record.msg)
        args = record.args
        if isinstance(args, tuple):
            if args:
                record.args = tuple(_mask_arg(arg) for arg in args)
        elif isinstance(args, Mapping):
            record.args = {key: _mask_arg(value) for key, value in args.items()}
        return True


_FILTER = MaskingFilter()
_installed = False


def install() -> None:
    """Add the masking filter to every logger of `LOGGERS` (once; cheap to call again)."""
    global _installed
    if _installed:
        return
    with _lock:
        for name in LOGGERS:
            logger = logging.getLogger(name)
            if not any(getattr(f, "trigger_masking", False) for f in logger.filters):
                logger.addFilter(_FILTER)
        _installed = True
