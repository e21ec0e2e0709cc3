"""Models of managed prompts (``client.prompts``): prompts, their versions, resolved text.

A prompt is defined in task code (the official SDK's ``prompts.define``) and gets a new
version on each deploy that changes it. Labels mark versions: ``current`` is what resolves
by default, ``latest`` the newest deployed one, and ``override`` a version written through
the API or the dashboard, which takes precedence over ``current`` until it is removed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from trigger._models import Model

__all__ = [
    "CreatedPromptOverride",
    "OkResponse",
    "Prompt",
    "PromptVersion",
    "ResolvedPrompt",
]


class Prompt(Model, kw_only=True):
    """A prompt of the environment, as ``prompts.list`` gives it."""

    slug: str
    """The prompt's id in code, e.g. ``support-reply``."""
    friendly_id: str
    """Its id on the platform, ``prompt_…``."""
    description: str | None = None
    """What it is for."""
    tags: list[str] = msgspec.field(default_factory=list)
    """Its tags."""
    default_model: str | None = None
    """The model it runs with: the override's, else the current version's, else the
    prompt's default."""
    current_version: int | None = None
    """The version labelled ``current``."""
    has_override: bool = False
    """Whether an override is active (it resolves instead of ``current``)."""
    updated_at: datetime
    """When it last changed."""


class PromptVersion(Model, kw_only=True):
    """One version of a prompt, as ``prompts.versions`` gives it (newest first)."""

    id: str
    """The version's internal id."""
    version: int
    """Its number, from 1."""
    labels: list[str] = msgspec.field(default_factory=list)
    """``current``, ``latest``, ``override``..."""
    source: str
    """Where it came from: ``code`` (a deploy), ``api``, ``dashboard``..."""
    model: str | None = None
    """The model it names."""
    text_content: str | None = None
    """The template text."""
    commit_message: str | None = None
    """Why it was written (overrides)."""
    content_hash: str
    """A hash of its content."""
    created_at: datetime
    """When it was written."""


class ResolvedPrompt(Model, kw_only=True):
    """A prompt's version with its template compiled against your variables."""

    prompt_id: str
    """The prompt's ``prompt_…`` id."""
    slug: str
    """The prompt's slug."""
    version: int
    """The version resolved."""
    labels: list[str] = msgspec.field(default_factory=list)
    """That version's labels."""
    template: str | None = None
    """The template, before compiling."""
    text: str = ""
    """The compiled text: ``{{name}}`` replaced by the variable's value, ``{{#name}}…
    {{/name}}`` kept only when the variable is truthy."""
    model: str | None = None
    """The model to run it with."""
    config: dict[str, Any] | None = None
    """The model settings stored with it (temperature...)."""


class OkResponse(Model, kw_only=True):
    """A response that only says the change was made."""

    ok: bool = True
    """``True``."""


class CreatedPromptOverride(Model, kw_only=True):
    """The answer to ``prompts.create_override``."""

    ok: bool = True
    """``True``."""
    version: int
    """The number of the new version, now labelled ``override``."""
