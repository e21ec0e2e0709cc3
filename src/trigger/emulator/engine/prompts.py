"""Prompts and their versions: pure state transitions (no clock reads, no I/O).

Written from the server's ``PromptService``, ``PromptPresenter`` and the deploy step that
registers a worker's prompts (``createWorkerPrompts``). A version carries labels: a deploy
whose definition changed adds a ``code`` version labelled ``latest`` and ``current`` (taking
both labels from the others); an override is a version labelled ``override``, at most one
at a time, and it resolves before ``current``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from trigger.emulator.jsjson import js_number, js_stringify

__all__ = [
    "PromptError",
    "PromptRow",
    "VersionRow",
    "compile_template",
    "create_override",
    "define",
    "effective_model",
    "label_holder",
    "promote",
    "reactivate_override",
    "remove_label",
    "resolve_version",
    "update_override",
]

CODE_SOURCE = "code"
"""The source of versions a deploy (`define`) creates; no other writer may claim it."""


class PromptError(Exception):
    """A refused change: the status and message the server answers with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class PromptRow(msgspec.Struct, frozen=True, kw_only=True):
    """A prompt of one environment (the server's ``Prompt`` row)."""

    id: str
    friendly_id: str
    env_id: str
    slug: str
    description: str | None = None
    type: str = "text"
    tags: tuple[str, ...] = ()
    default_model: str | None = None
    default_config: Any = None
    variable_schema: Any = None
    created_at: int
    updated_at: int


class VersionRow(msgspec.Struct, frozen=True, kw_only=True):
    """One version of a prompt (the server's ``PromptVersion`` row)."""

    id: str
    prompt_id: str
    version: int
    text_content: str | None
    model: str | None = None
    config: Any = None
    source: str
    commit_message: str | None = None
    content_hash: str
    labels: tuple[str, ...] = ()
    created_at: int


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _latest(versions: Sequence[VersionRow]) -> VersionRow | None:
    return max(versions, key=lambda v: v.version, default=None)


def label_holder(versions: Sequence[VersionRow], label: str) -> VersionRow | None:
    """The newest version carrying ``label``."""
    return _latest([v for v in versions if label in v.labels])


def remove_label(versions: Sequence[VersionRow], label: str) -> list[VersionRow]:
    """The versions that carried ``label``, without it (``array_remove``)."""
    return [
        msgspec.structs.replace(v, labels=tuple(x for x in v.labels if x != label))
        for v in versions
        if label in v.labels
    ]


def _add_label(version: VersionRow, label: str) -> VersionRow:
    if label in version.labels:
        return version
    return msgspec.structs.replace(version, labels=(*version.labels, label))


def define(
    prompt: PromptRow | None,
    versions: Sequence[VersionRow],
    *,
    make_id: Callable[[], str],
    env_id: str,
    slug: str,
    content: str,
    description: str | None,
    model: str | None,
    config: Any,
    variable_schema: Any,
    now: int,
) -> tuple[PromptRow, list[VersionRow], VersionRow]:
    """A deploy registering a prompt: ``(prompt, changed versions, its code version)``.

    The prompt is created or its definition updated (``None`` keeps a field, as Prisma's
    ``update`` does with ``undefined``). A new version is added only when the text, model
    or config differs from the latest ``code`` version; it takes ``latest`` and
    ``current`` from the others.
    """
    if prompt is None:
        prompt = PromptRow(
            id=make_id(),
            friendly_id=f"prompt_{make_id()}",
            env_id=env_id,
            slug=slug,
            description=description,
            default_model=model,
            default_config=config,
            variable_schema=variable_schema,
            created_at=now,
            updated_at=now,
        )
    else:
        changes: dict[str, Any] = {"updated_at": now}
        for field, value in (
            ("description", description),
            ("default_model", model),
            ("default_config", config),
            ("variable_schema", variable_schema),
        ):
            if value is not None:
                changes[field] = value
        prompt = msgspec.structs.replace(prompt, **changes)
    content_hash = _hash(js_stringify({"content": content, "model": model, "config": config}))
    latest_code = _latest([v for v in versions if v.source == CODE_SOURCE])
    if latest_code is not None and latest_code.content_hash == content_hash:
        return prompt, [], latest_code
    latest = _latest(versions)
    changed = {v.id: v for v in remove_label(versions, "latest")}
    for version in remove_label([changed.get(v.id, v) for v in versions], "current"):
        changed[version.id] = version
    created = VersionRow(
        id=make_id(),
        prompt_id=prompt.id,
        version=(latest.version if latest else 0) + 1,
        text_content=content,
        model=model,
        config=config,
        source=CODE_SOURCE,
        content_hash=content_hash,
        labels=("latest", "current"),
        created_at=now,
    )
    return prompt, [*changed.values(), created], created


def resolve_version(
    versions: Sequence[VersionRow], *, version: int | None, label: str | None
) -> VersionRow | None:
    """The version a read resolves to: exactly ``version``; else the override; else the
    newest with ``label`` (default ``current``)."""
    if version is not None:
        return next((v for v in versions if v.version == version), None)
    override = label_holder(versions, "override")
    if override is not None:
        return override
    return label_holder(versions, label or "current")


def effective_model(prompt: PromptRow, versions: Sequence[VersionRow]) -> str | None:
    """The model a list shows: the override's, else the current version's, else the default."""
    for label in ("override", "current"):
        holder = label_holder(versions, label)
        if holder is not None and holder.model is not None:
            return holder.model
    return prompt.default_model


def _target(versions: Sequence[VersionRow], number: int) -> VersionRow:
    found = next((v for v in versions if v.version == number), None)
    if found is None:
        raise PromptError(404, f"Version {number} not found")
    return found


def promote(versions: Sequence[VersionRow], number: int) -> list[VersionRow]:
    """Label a deployed version ``current``: the versions that change."""
    target = _target(versions, number)
    if target.source != CODE_SOURCE:
        raise PromptError(
            400, "Only code-sourced versions can be promoted. Use the override API instead."
        )
    changed = {v.id: v for v in remove_label(versions, "current")}
    changed[target.id] = _add_label(changed.get(target.id, target), "current")
    return list(changed.values())


def create_override(
    prompt: PromptRow,
    versions: Sequence[VersionRow],
    *,
    make_id: Callable[[], str],
    text_content: str,
    model: str | None,
    commit_message: str | None,
    source: str | None,
    now: int,
) -> tuple[list[VersionRow], VersionRow]:
    """A new version labelled ``override`` (the old override loses the label)."""
    latest = _latest(versions)
    created = VersionRow(
        id=make_id(),
        prompt_id=prompt.id,
        version=(latest.version if latest else 0) + 1,
        text_content=text_content,
        model=model or None,
        # The reserved source, or none at all, is recorded as a dashboard edit.
        source=source if source and source != CODE_SOURCE else "dashboard",
        commit_message=commit_message or None,
        content_hash=_hash(text_content),
        labels=("override",),
        created_at=now,
    )
    return [*remove_label(versions, "override"), created], created


def update_override(
    versions: Sequence[VersionRow],
    *,
    text_content: str | None,
    model: str | None,
    commit_message: str | None,
) -> VersionRow:
    """The active override with the given fields changed."""
    current = label_holder(versions, "override")
    if current is None:
        raise PromptError(400, "No active override to update")
    text = text_content if text_content is not None else (current.text_content or "")
    return msgspec.structs.replace(
        current,
        text_content=text,
        model=model if model is not None else current.model,
        commit_message=commit_message if commit_message is not None else current.commit_message,
        content_hash=_hash(text),
    )


def reactivate_override(versions: Sequence[VersionRow], number: int) -> list[VersionRow]:
    """Make an earlier override version the override again."""
    target = _target(versions, number)
    if target.source == CODE_SOURCE:
        raise PromptError(400, "Code-sourced versions cannot be reactivated as overrides")
    changed = {v.id: v for v in remove_label(versions, "override")}
    changed[target.id] = _add_label(changed.get(target.id, target), "override")
    return list(changed.values())


# -- templates ------------------------------------------------------------------------------

_WORD = "[A-Za-z0-9_]+"  # JavaScript's \w: ASCII only
_SECTION = re.compile(r"\{\{#(" + _WORD + r")\}\}([\s\S]*?)\{\{/\1\}\}")
_INNER = re.compile(r"\{\{(" + _WORD + r")\}\}")
_PLACEHOLDER = re.compile(r"\{\{\s*(" + _WORD + r")\s*\}\}")


def _js_truthy(value: Any) -> bool:
    if value is None or value is False or value == "":
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value == value and value != 0  # NaN and zeros are falsy
    return True


def _js_string(value: Any) -> str:
    """``String(value)`` for a parsed JSON value."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return js_number(value)
    if isinstance(value, list):
        return ",".join("" if item is None else _js_string(item) for item in value)
    return "[object Object]"


def compile_template(template: str, variables: Mapping[str, Any]) -> str:
    """The server's ``compileTemplate``: ``{{#name}}…{{/name}}`` sections kept only when the
    variable is truthy (with ``{{x}}`` inside filled), then ``{{ name }}`` filled; a
    missing or ``null`` variable becomes empty text."""

    def section(match: re.Match[str]) -> str:
        if not _js_truthy(variables.get(match.group(1))):
            return ""
        return _INNER.sub(
            lambda inner: (
                ""
                if variables.get(inner.group(1)) is None
                else _js_string(variables[inner.group(1)])
            ),
            match.group(2),
        )

    result = _SECTION.sub(section, template)
    return _PLACEHOLDER.sub(
        lambda match: (
            "" if variables.get(match.group(1)) is None else _js_string(variables[match.group(1)])
        ),
        result,
    )
