"""`client.envvars`: list, create, retrieve, update, delete and upload environment variables."""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from trigger._models import decoder
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._wire import envvars as wire
from trigger.types.envvars import EnvVar, EnvVarSource, EnvVarSuccess

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncEnvVars", "AsyncEnvVarsWithRawResponse"]


class AsyncEnvVars:
    """The environment variables of a project environment: ``client.envvars``.

    Every call names the project (``proj_…``) and the environment: ``dev``, ``staging``
    (``stg`` is accepted as an alias), ``prod`` or ``preview``. A personal access token
    (``tr_pat_…``) reaches every environment of your projects; a secret key reaches only
    its own project and environment, so a call naming another environment than the key's
    (``tr_prod_…`` with ``env="dev"``) is refused before anything is sent. With
    ``env="preview"``, the client's ``preview_branch`` picks the branch; without one the
    parent preview environment is used.
    """

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncEnvVarsWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    def _path(self, project_ref: str, env: str, name: str | None = None) -> str:
        return wire.envvars_path(project_ref, env, self._client._config.api_key, name)

    async def list(
        self, project_ref: str, env: str, *, request_options: RequestOptions | None = None
    ) -> builtins.list[EnvVar]:
        """List every variable of an environment (not paginated).

        Args:
            project_ref: The project (``proj_…``).
            env: ``dev``, ``staging`` (or ``stg``), ``prod`` or ``preview``.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The variables; the values of secret variables are redacted by the server.

        Raises:
            ValueError: An unknown environment, or one the client's secret key cannot reach.
        """
        path = self._path(project_ref, env)
        return await self._client._request(
            "GET", path, parse=decoder(builtins.list[EnvVar]).decode, options=request_options
        )

    async def create(
        self,
        project_ref: str,
        env: str,
        *,
        name: str,
        value: str,
        is_secret: bool | None = None,
        request_options: RequestOptions | None = None,
    ) -> EnvVarSuccess:
        """Create a variable (a variable of the same name is overwritten).

        Args:
            project_ref: The project (``proj_…``).
            env: ``dev``, ``staging`` (or ``stg``), ``prod`` or ``preview``.
            name: The variable's name.
            value: Its value.
            is_secret: Store it as a secret, whose value is never sent back in clear.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            ValueError: An unknown environment, or one the client's secret key cannot reach.
        """
        path = self._path(project_ref, env)
        body = wire.create_body(name, value, is_secret)
        return await self._client._request(
            "POST", path, parse=decoder(EnvVarSuccess).decode, body=body, options=request_options
        )

    async def retrieve(
        self,
        project_ref: str,
        env: str,
        name: str,
        *,
        request_options: RequestOptions | None = None,
    ) -> EnvVar:
        """Retrieve one variable.

        Args:
            project_ref: The project (``proj_…``).
            env: ``dev``, ``staging`` (or ``stg``), ``prod`` or ``preview``.
            name: The variable's name.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            NotFoundError: There is no variable of that name.
            ValueError: An unknown environment, or one the client's secret key cannot reach.
        """
        path = self._path(project_ref, env, name)
        env_var_decoder = decoder(EnvVar)

        def parse(content: bytes) -> EnvVar:
            variable = env_var_decoder.decode(content)
            if not variable.name:
                # Older servers answer with the value only.
                variable.name = name
            return variable

        return await self._client._request("GET", path, parse=parse, options=request_options)

    async def update(
        self,
        project_ref: str,
        env: str,
        name: str,
        *,
        value: str,
        request_options: RequestOptions | None = None,
    ) -> EnvVarSuccess:
        """Change the value of a variable.

        Args:
            project_ref: The project (``proj_…``).
            env: ``dev``, ``staging`` (or ``stg``), ``prod`` or ``preview``.
            name: The variable's name.
            value: Its new value.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            NotFoundError: There is no variable of that name.
            ValueError: An unknown environment, or one the client's secret key cannot reach.
        """
        # The official client fails before sending this call; this is the request it intends.
        path = self._path(project_ref, env, name)
        return await self._client._request(
            "PUT",
            path,
            parse=decoder(EnvVarSuccess).decode,
            body=wire.update_body(value),
            options=request_options,
        )

    async def delete(
        self,
        project_ref: str,
        env: str,
        name: str,
        *,
        request_options: RequestOptions | None = None,
    ) -> EnvVarSuccess:
        """Delete a variable.

        Args:
            project_ref: The project (``proj_…``).
            env: ``dev``, ``staging`` (or ``stg``), ``prod`` or ``preview``.
            name: The variable's name.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            NotFoundError: There is no variable of that name.
            ValueError: An unknown environment, or one the client's secret key cannot reach.
        """
        path = self._path(project_ref, env, name)
        return await self._client._request(
            "DELETE", path, parse=decoder(EnvVarSuccess).decode, options=request_options
        )

    async def upload(
        self,
        project_ref: str,
        env: str,
        *,
        variables: Mapping[str, str],
        override: bool = False,
        is_secret: bool | None = None,
        parent_variables: Mapping[str, str] | None = None,
        source: EnvVarSource | None = None,
        request_options: RequestOptions | None = None,
    ) -> EnvVarSuccess:
        """Import many variables at once.

        Args:
            project_ref: The project (``proj_…``).
            env: ``dev``, ``staging`` (or ``stg``), ``prod`` or ``preview``.
            variables: Name to value, e.g. ``{"SLACK_API_KEY": "slack_123"}``.
            override: Replace the values of variables that already exist. Without it, an
                import naming a variable the environment already has is refused (400,
                `BadRequestError`).
            is_secret: Store every imported variable as a secret.
            parent_variables: Name to value, written to the *parent* environment of the
                preview branch selected by the client's ``preview_branch`` (not to the
                branch itself).
            source: Who the import comes from, recorded by the server:
                ``{"type": "user", "user_id": ...}`` or
                ``{"type": "integration", "integration": ...}``.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            ValueError: No variables, an unknown environment, or one the client's secret key
                cannot reach.
        """
        path = self._path(project_ref, env)
        body = wire.upload_body(
            variables=variables,
            override=override,
            is_secret=is_secret,
            parent_variables=parent_variables,
            source=source,
        )
        return await self._client._request(
            "POST",
            path + "/import",
            parse=decoder(EnvVarSuccess).decode,
            body=body,
            options=request_options,
        )

    async def upload_dotenv(
        self,
        project_ref: str,
        env: str,
        path: str | os.PathLike[str] | None = None,
        *,
        text: str | None = None,
        override: bool = False,
        is_secret: bool | None = None,
        parent_variables: Mapping[str, str] | None = None,
        source: EnvVarSource | None = None,
        interpolate: bool = False,
        request_options: RequestOptions | None = None,
    ) -> EnvVarSuccess:
        """Import the variables of a ``.env`` file (or ``.env`` text), read with python-dotenv.

        Quotes, comments, ``export`` prefixes and multi-line quoted values are understood.
        A bare ``NAME`` line (a variable without ``=``) is refused rather than skipped, so
        nothing is silently left out; ``NAME=`` is an empty value.

        Args:
            project_ref: The project (``proj_…``).
            env: ``dev``, ``staging`` (or ``stg``), ``prod`` or ``preview``.
            path: The ``.env`` file to read (UTF-8). Pass this or ``text``.
            text: ``.env`` content as a string.
            override: Replace the values of variables that already exist.
            is_secret: Store every imported variable as a secret.
            parent_variables: Name to value, written to the parent environment of the
                preview branch (see `upload`).
            source: Who the import comes from, recorded by the server:
                ``{"type": "user", "user_id": ...}`` or
                ``{"type": "integration", "integration": ...}``.
            interpolate: Expand ``${NAME}`` references as python-dotenv does (from the file,
                then from this process's environment). Off by default, so that local values
                never leak into the upload.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            ImportError: python-dotenv is missing (``pip install "trigger-sdk[dotenv]"``).
            ValueError: Both or neither of path/text, no variables, a variable without a
                value, an unknown environment, or one the client's secret key cannot reach.
            OSError: The file cannot be read.
        """
        self._path(project_ref, env)  # refuse a bad environment before reading anything
        variables = wire.parse_dotenv(path, text, interpolate=interpolate)
        return await self.upload(
            project_ref,
            env,
            variables=variables,
            override=override,
            is_secret=is_secret,
            parent_variables=parent_variables,
            source=source,
            request_options=request_options,
        )


class AsyncEnvVarsWithRawResponse:
    """`AsyncEnvVars` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, envvars: AsyncEnvVars) -> None:
        self.list = async_raw_response_wrapper(envvars.list)
        self.create = async_raw_response_wrapper(envvars.create)
        self.retrieve = async_raw_response_wrapper(envvars.retrieve)
        self.update = async_raw_response_wrapper(envvars.update)
        self.delete = async_raw_response_wrapper(envvars.delete)
        self.upload = async_raw_response_wrapper(envvars.upload)
        self.upload_dotenv = async_raw_response_wrapper(envvars.upload_dotenv)
