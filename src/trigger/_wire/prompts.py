"""Wire format of the prompt endpoints (``/api/v1/prompts``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from trigger._validation import check_number, check_str, path_segment
from trigger.types.prompts import Prompt, PromptVersion, ResolvedPrompt

__all__ = [
    "PromptList",
    "ResolveAnswer",
    "VersionList",
    "create_override_body",
    "prompt_path",
    "resolve_body",
    "update_override_body",
    "version_body",
]

_RESERVED_SOURCE = "code"


def prompt_path(slug: str, suffix: str = "") -> str:
    """``/api/v1/prompts/{slug}`` plus an optional suffix.

    The official client puts the slug in the path as it is; it is percent-encoded here like
    every path parameter, so a slug holding ``/`` or ``?`` still names one prompt.
    """
    return f"/api/v1/prompts/{path_segment('slug', slug)}{suffix}"


def _version(value: object) -> int:
    return int(check_number("version", value, minimum=1, integer=True))


def resolve_body(
    variables: Mapping[str, Any] | None, label: str | None, version: int | None
) -> dict[str, Any]:
    """Body of ``POST /api/v1/prompts/{slug}``: ``variables`` always (``{}`` by default)."""
    if variables is None:
        variables = {}
    if not isinstance(variables, Mapping):
        raise TypeError(f"variables must be a mapping, not {type(variables).__name__}")
    for key in variables:
        if not isinstance(key, str):
            raise TypeError(f"variables keys must be str, not {type(key).__name__}")
    if label is not None and version is not None:
        raise ValueError("pass label or version, not both (a version wins over a label)")
    body: dict[str, Any] = {"variables": dict(variables)}
    if label is not None:
        body["label"] = check_str("label", label)
    if version is not None:
        body["version"] = _version(version)
    return body


def version_body(version: int) -> dict[str, int]:
    """``{"version": n}`` of promote and reactivate: a whole number from 1."""
    return {"version": _version(version)}


def create_override_body(
    *, text_content: str, model: str | None, commit_message: str | None, source: str | None
) -> dict[str, Any]:
    """Body of ``POST …/override``: the template text, and what else is given."""
    body: dict[str, Any] = {
        "textContent": check_str("text_content", text_content, allow_empty=True)
    }
    if model is not None:
        body["model"] = check_str("model", model)
    if commit_message is not None:
        body["commitMessage"] = check_str("commit_message", commit_message, allow_empty=True)
    if source is not None:
        if check_str("source", source) == _RESERVED_SOURCE:
            raise ValueError("source 'code' is reserved for versions a deploy creates")
        body["source"] = source
    return body


def update_override_body(
    *, text_content: str | None, model: str | None, commit_message: str | None
) -> dict[str, Any]:
    """Body of ``PUT …/override``: only what is given, at least one field."""
    body: dict[str, Any] = {}
    if text_content is not None:
        body["textContent"] = check_str("text_content", text_content, allow_empty=True)
    if model is not None:
        body["model"] = check_str("model", model)
    if commit_message is not None:
        body["commitMessage"] = check_str("commit_message", commit_message, allow_empty=True)
    if not body:
        raise ValueError("pass at least one of text_content, model, commit_message")
    return body


class PromptList(msgspec.Struct):
    """``{data: [...]}`` of ``GET /api/v1/prompts``."""

    data: list[Prompt]


class VersionList(msgspec.Struct):
    """``{data: [...]}`` of ``GET …/versions``."""

    data: list[PromptVersion]


class ResolveAnswer(msgspec.Struct):
    """``{data: {...}}`` of a resolve."""

    data: ResolvedPrompt
