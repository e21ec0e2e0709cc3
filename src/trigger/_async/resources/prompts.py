"""`client.prompts`: list and resolve managed prompts, promote versions, manage overrides."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trigger._models import decoder
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._wire import prompts as wire
from trigger.types.prompts import (
    CreatedPromptOverride,
    OkResponse,
    Prompt,
    PromptVersion,
    ResolvedPrompt,
)

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncPrompts", "AsyncPromptsWithRawResponse"]


def _prompts(content: bytes) -> builtins.list[Prompt]:
    return decoder(wire.PromptList).decode(content).data


def _versions(content: bytes) -> builtins.list[PromptVersion]:
    return decoder(wire.VersionList).decode(content).data


def _resolved(content: bytes) -> ResolvedPrompt:
    return decoder(wire.ResolveAnswer).decode(content).data


class AsyncPrompts:
    """Managed prompts of the environment: ``client.prompts``.

    Prompts are defined in task code and versioned on each deploy; here you read them,
    resolve one to text, choose which deployed version is ``current``, and write an
    override, a version that takes precedence over ``current`` until it is removed (as an
    edit in the dashboard does). A slug is percent-encoded in the path (the official client
    sends it as it is), so any slug names exactly one prompt.
    """

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncPromptsWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    async def list(self, *, request_options: RequestOptions | None = None) -> builtins.list[Prompt]:
        """Every prompt of the environment, most recently changed first (not paginated).

        Args:
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "GET", "/api/v1/prompts", parse=_prompts, options=request_options
        )

    async def resolve(
        self,
        slug: str,
        variables: Mapping[str, Any] | None = None,
        *,
        label: str | None = None,
        version: int | None = None,
        request_options: RequestOptions | None = None,
    ) -> ResolvedPrompt:
        """Compile a prompt's template with ``variables`` on the server.

        Without ``label`` or ``version`` the active override resolves, else the ``current``
        version.

        Args:
            slug: The prompt's slug.
            variables: Values for the template's ``{{name}}`` placeholders (a JSON object).
            label: Resolve the newest version with this label (an active override still
                wins).
            version: Resolve exactly this version number.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            ValueError: Both ``label`` and ``version``, or a version below 1.
            NotFoundError: No such prompt, no version matches, or the version has no text.
        """
        body = wire.resolve_body(variables, label, version)
        return await self._client._request(
            "POST", wire.prompt_path(slug), parse=_resolved, body=body, options=request_options
        )

    async def versions(
        self, slug: str, *, request_options: RequestOptions | None = None
    ) -> builtins.list[PromptVersion]:
        """A prompt's versions, newest first (the server gives at most 50).

        Args:
            slug: The prompt's slug.
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "GET", wire.prompt_path(slug, "/versions"), parse=_versions, options=request_options
        )

    async def promote(
        self, slug: str, version: int, *, request_options: RequestOptions | None = None
    ) -> OkResponse:
        """Make a deployed version ``current`` (an active override still resolves first).

        Args:
            slug: The prompt's slug.
            version: A version a deploy created (source ``code``).
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            NotFoundError: No such prompt or version.
            BadRequestError: The version is an override, not a deployed one.
        """
        return await self._ok("POST", slug, "/promote", wire.version_body(version), request_options)

    async def create_override(
        self,
        slug: str,
        *,
        text_content: str,
        model: str | None = None,
        commit_message: str | None = None,
        source: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> CreatedPromptOverride:
        """Write a new version labelled ``override``: it resolves instead of ``current``.

        Any previous override loses the label (`reactivate_override` brings it back).

        Args:
            slug: The prompt's slug.
            text_content: The template text.
            model: The model to run it with.
            commit_message: Why, kept with the version.
            source: Where the version comes from (the server's default is ``api``;
                ``code`` is reserved for deploys).
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The new version's number.
        """
        body = wire.create_override_body(
            text_content=text_content, model=model, commit_message=commit_message, source=source
        )
        return await self._client._request(
            "POST",
            wire.prompt_path(slug, "/override"),
            parse=decoder(CreatedPromptOverride).decode,
            body=body,
            options=request_options,
        )

    async def update_override(
        self,
        slug: str,
        *,
        text_content: str | None = None,
        model: str | None = None,
        commit_message: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> OkResponse:
        """Change the active override in place (only what is given).

        Args:
            slug: The prompt's slug.
            text_content: New template text.
            model: A new model.
            commit_message: A new commit message.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            ValueError: Nothing to change.
            BadRequestError: The prompt has no active override.
        """
        body = wire.update_override_body(
            text_content=text_content, model=model, commit_message=commit_message
        )
        return await self._ok("PUT", slug, "/override", body, request_options)

    async def remove_override(
        self, slug: str, *, request_options: RequestOptions | None = None
    ) -> OkResponse:
        """Remove the active override, so the ``current`` version resolves again.

        The override stays as a version (`reactivate_override` restores it).

        Args:
            slug: The prompt's slug.
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._ok("DELETE", slug, "/override", None, request_options)

    async def reactivate_override(
        self, slug: str, version: int, *, request_options: RequestOptions | None = None
    ) -> OkResponse:
        """Make an earlier override version the active override again.

        Args:
            slug: The prompt's slug.
            version: A version written as an override (not a deployed one).
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            NotFoundError: No such prompt or version.
            BadRequestError: The version was deployed, not written as an override.
        """
        return await self._ok(
            "POST", slug, "/override/reactivate", wire.version_body(version), request_options
        )

    async def _ok(
        self,
        method: str,
        slug: str,
        suffix: str,
        body: dict[str, Any] | None,
        options: RequestOptions | None,
    ) -> OkResponse:
        path = wire.prompt_path(slug, suffix)
        parse = decoder(OkResponse).decode
        if body is None:
            return await self._client._request(method, path, parse=parse, options=options)
        return await self._client._request(method, path, parse=parse, body=body, options=options)


class AsyncPromptsWithRawResponse:
    """`AsyncPrompts` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, prompts: AsyncPrompts) -> None:
        self.list = async_raw_response_wrapper(prompts.list)
        self.resolve = async_raw_response_wrapper(prompts.resolve)
        self.versions = async_raw_response_wrapper(prompts.versions)
        self.promote = async_raw_response_wrapper(prompts.promote)
        self.create_override = async_raw_response_wrapper(prompts.create_override)
        self.update_override = async_raw_response_wrapper(prompts.update_override)
        self.remove_override = async_raw_response_wrapper(prompts.remove_override)
        self.reactivate_override = async_raw_response_wrapper(prompts.reactivate_override)
