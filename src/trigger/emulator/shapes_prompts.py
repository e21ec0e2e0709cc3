"""The prompt endpoints' JSON answers (``api.v1.prompts*.ts``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trigger.emulator.durations import iso
from trigger.emulator.engine.prompts import PromptRow, VersionRow, effective_model, label_holder

__all__ = ["list_item", "retrieved", "version_item"]


def list_item(prompt: PromptRow, versions: Sequence[VersionRow]) -> dict[str, Any]:
    """One entry of ``GET /api/v1/prompts``."""
    current = label_holder(versions, "current")
    return {
        "slug": prompt.slug,
        "friendlyId": prompt.friendly_id,
        "description": prompt.description,
        "tags": list(prompt.tags),
        "defaultModel": effective_model(prompt, versions),
        "currentVersion": current.version if current else None,
        "hasOverride": label_holder(versions, "override") is not None,
        "updatedAt": iso(prompt.updated_at),
    }


def version_item(version: VersionRow) -> dict[str, Any]:
    """One entry of ``GET /api/v1/prompts/{slug}/versions``."""
    return {
        "id": version.id,
        "version": version.version,
        "labels": list(version.labels),
        "source": version.source,
        "model": version.model,
        "textContent": version.text_content,
        "commitMessage": version.commit_message,
        "contentHash": version.content_hash,
        "createdAt": iso(version.created_at),
    }


def retrieved(prompt: PromptRow, version: VersionRow) -> dict[str, Any]:
    """``GET /api/v1/prompts/{slug}``: the prompt and the version resolved."""
    return {
        "data": {
            "id": prompt.friendly_id,
            "slug": prompt.slug,
            "description": prompt.description,
            "type": prompt.type,
            "tags": list(prompt.tags),
            "defaultModel": prompt.default_model,
            "defaultConfig": prompt.default_config,
            "variableSchema": prompt.variable_schema,
            "version": {
                "version": version.version,
                "textContent": version.text_content,
                "model": version.model,
                "config": version.config,
                "source": version.source,
                "labels": list(version.labels),
                "contentHash": version.content_hash,
                "commitMessage": version.commit_message,
                "createdAt": iso(version.created_at),
            },
        }
    }
