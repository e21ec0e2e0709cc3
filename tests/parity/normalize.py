"""Turn one target's answers into values that another target can match exactly.

Ids, timestamps, tokens, keys, hashes, durations and costs differ between two servers (and
between two runs against the same server); everything else must not. A `Normalizer` lives
for one scenario run and replaces each volatile value with a placeholder, numbering ids by
first appearance so that identity within the scenario survives: the run a trigger created
is ``<run_id:1>`` both in the trigger's answer and in the list that shows it later.

Dict keys are visited in sorted order, so the numbering does not depend on the order in
which a server writes its keys; list order is kept (it is part of the answer).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["FIELD_PLACEHOLDERS", "Normalizer"]

FRIENDLY_PREFIXES = (
    "run",
    "batch",
    "waitpoint",
    "bulk",
    "queue",
    "sched",
    "session",
    "error",
    "deployment",
    "attempt",
    "worker",
    "whd",
    "wh",
    "climit",
    "span",
)

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_KEY = re.compile(r"\btr_(dev|stg|prod|preview|pat)_[A-Za-z0-9_-]+")
_PROJECT_REF = re.compile(r"\bproj_[a-z]{20}\b")
_ORIGIN = re.compile(r"https?://(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?")
_FRIENDLY = re.compile(r"\b(" + "|".join(FRIENDLY_PREFIXES) + r")_([A-Za-z0-9]{8,})\b")
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_CUID = re.compile(r"\bc[a-z0-9]{24}\b")
_HASH = re.compile(r"\b[0-9a-f]{40,64}\b")
_WORKER_VERSION = re.compile(r"^\d{8}\.\d+$")

FIELD_PLACEHOLDERS: dict[str, str] = {
    "durationMs": "<duration>",
    "usageDurationMs": "<duration>",
    "costInCents": "<cost>",
    "baseCostInCents": "<cost>",
    "user": "<user>",
    "userName": "<user>",
    "presignedUrl": "<presigned_url>",
    "shortCode": "<short_code>",
    "shortcode": "<shortcode>",
    "contentHash": "<hash>",
    "imageReference": "<image>",
}
"""Fields whose (non-null) value is volatile whatever it looks like."""

_PAGINATION_CURSORS = ("next", "previous")
_RANDOM_KEY = re.compile(r"[A-Za-z0-9_-]{20,32}")
_RANDOM_KEY_FIELDS = ("idempotencyKey", "inactiveIdempotencyKey")
"""A waitpoint made without a key gets a random one (the scenarios' own keys hold ``-u``)."""
_CURSOR_PARAMS = ("page[after]", "page[before]", "cursor", "after", "before")


class Normalizer:
    """Normalizes every value of one scenario run (see the module docstring).

    Args:
        secrets: Literal strings to hide wherever they occur (keys, the PAT), as ``<key>``.
        unique: The scenario run's unique token (names made unique per recording run),
            replaced by ``<u>`` (upper-cased: ``<U>``).
        literals: More literal strings and their placeholders (e.g. the project ref).
    """

    def __init__(
        self,
        *,
        secrets: Iterable[str] = (),
        unique: str = "",
        literals: dict[str, str] | None = None,
    ) -> None:
        self._secrets = sorted((s for s in secrets if s), key=len, reverse=True)
        self._unique = unique
        self._literals = dict(literals or {})
        self._ids: dict[str, dict[str, int]] = {}

    def _number(self, kind: str, value: str) -> str:
        seen = self._ids.setdefault(kind, {})
        if value not in seen:
            seen[value] = len(seen) + 1
        return f"<{kind}:{seen[value]}>"

    def text(self, value: str) -> str:
        """One string with every volatile part replaced."""
        for secret in self._secrets:
            value = value.replace(secret, "<key>")
        for literal, placeholder in self._literals.items():
            if literal:
                value = value.replace(literal, placeholder)
        value = _JWT.sub("<jwt>", value)
        value = _KEY.sub("<key>", value)
        value = _PROJECT_REF.sub("<project_ref>", value)
        value = _ORIGIN.sub("<origin>", value)
        value = _FRIENDLY.sub(
            lambda m: self._number(f"{m.group(1)}_id", m.group(0)),
            value,
        )
        value = _TIMESTAMP.sub("<ts>", value)
        if self._unique:
            value = value.replace(self._unique, "<u>").replace(self._unique.upper(), "<U>")
        value = _CUID.sub(lambda m: self._number("cuid", m.group(0)), value)
        value = _HASH.sub(lambda m: self._number("hash", m.group(0)), value)
        if _WORKER_VERSION.match(value):
            value = "<version>"
        return value

    def value(self, value: Any, key: str | None = None, parent: str | None = None) -> Any:
        """A JSON value with every volatile part replaced (dict keys in sorted order)."""
        if key in FIELD_PLACEHOLDERS and value is not None and not isinstance(value, dict):
            return FIELD_PLACEHOLDERS[key]
        if isinstance(value, str) and value:
            if key in _RANDOM_KEY_FIELDS and _RANDOM_KEY.fullmatch(value):
                return "<random_key>"
            if parent == "pagination" and key in _PAGINATION_CURSORS:
                return "<cursor>"
            if key in _CURSOR_PARAMS and parent is None:
                return "<cursor>"
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                self.text(str(k)): self.value(value[k], str(k), key) for k in sorted(value, key=str)
            }
        if isinstance(value, list):
            return [self.value(item, None, key) for item in value]
        return value

    def json_text(self, text: str) -> Any:
        """A JSON document's text (e.g. the ``x-trigger-jwt-claims`` header) normalized."""
        try:
            return self.value(json.loads(text))
        except ValueError:
            return self.text(text)
