"""Prompts coming into existence: what a deploy of task code that calls ``prompts.define``
does on the server, for `Emulator.define_prompt` and ``POST /_emulator/prompts``.

In the cloud a prompt is registered when a worker that defines it is deployed; the emulator
runs no deploys, so a test defines its prompts here, and every later call of the prompts API
sees them. Defining the same prompt again with a changed text, model or config adds a
version that becomes ``current``, as a new deploy does; an unchanged one adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trigger.emulator.engine import prompts as engine
from trigger.emulator.engine.prompts import PromptRow, VersionRow
from trigger.emulator.project import Environment
from trigger.emulator.state import EmulatorState
from trigger.emulator.store_prompts import PromptStore

__all__ = ["ENV_ALIASES", "define_prompt", "environment"]

ENV_ALIASES = {"dev": "dev", "stg": "stg", "staging": "stg", "prod": "prod", "preview": "preview"}
"""The environment names `define_prompt` takes."""


def environment(state: EmulatorState, env: str) -> Environment:
    """An environment of the project by name (``dev``, ``stg``/``staging``, ``prod``,
    ``preview``)."""
    slug = ENV_ALIASES.get(env) if isinstance(env, str) else None
    if slug is None:
        raise ValueError("env must be 'dev', 'stg', 'prod' or 'preview'")
    return state.project.envs[slug]


def _check(
    slug: object,
    content: object,
    description: object,
    model: object,
    config: object,
    variable_schema: object,
) -> None:
    if not isinstance(slug, str) or not slug:
        raise ValueError("slug must be a non-empty string")
    if not isinstance(content, str):
        raise TypeError("content must be a string (the prompt's template text)")
    for name, value in (("description", description), ("model", model)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a string")
    for name, value in (("config", config), ("variable_schema", variable_schema)):
        if value is not None and not isinstance(value, Mapping):
            raise TypeError(f"{name} must be a mapping (a JSON object)")


def define_prompt(
    state: EmulatorState,
    env: Environment,
    slug: str,
    content: str,
    *,
    description: str | None = None,
    model: str | None = None,
    config: Mapping[str, Any] | None = None,
    variable_schema: Mapping[str, Any] | None = None,
) -> tuple[PromptRow, VersionRow, bool]:
    """Register a prompt's definition in ``env``: ``(prompt, its code version, created)``,
    ``created`` false when the definition was unchanged."""
    _check(slug, content, description, model, config, variable_schema)
    table = PromptStore(state.store)
    with state.store.transaction() as conn:
        existing = table.get(env.id, slug)
        versions = table.versions(existing.id) if existing else []
        prompt, changed, version = engine.define(
            existing,
            versions,
            make_id=state.ids.cuid,
            env_id=env.id,
            slug=slug,
            content=content,
            description=description,
            model=model,
            config=dict(config) if config is not None else None,
            variable_schema=dict(variable_schema) if variable_schema is not None else None,
            now=state.now_ms(),
        )
        table.put(conn, prompt)
        table.put_versions(conn, changed)
    return prompt, version, bool(changed)
