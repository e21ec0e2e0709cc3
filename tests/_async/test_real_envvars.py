"""Against a real server: environment variables, with the secret key and with a PAT.

Opt-in (docs/guides/real-server.md); needs ``TRIGGER_REAL_PROJECT_REF``. Variable names are unique
to the test and every variable made is deleted at the end.
"""

from __future__ import annotations

import contextlib
import uuid

import pytest

import trigger
from tests.real_server import (
    NO_RETRY,
    RUN_ID,
    requires,
    settings,
    skip_unless_configured,
)

skip_unless_configured()
pytestmark = [pytest.mark.anyio, requires("project_ref")]


def variable_name(label: str) -> str:
    return f"PYTEST_{RUN_ID}_{label}_{uuid.uuid4().hex[:8]}".upper()


def project() -> str:
    ref = settings().project_ref
    assert ref is not None
    return ref


async def delete_quietly(client: trigger.AsyncClient, env: str, *names: str) -> None:
    for name in names:
        with contextlib.suppress(trigger.NotFoundError):
            await client.envvars.delete(project(), env, name, request_options=NO_RETRY)


async def lifecycle(client: trigger.AsyncClient, env: str) -> None:
    name = variable_name("crud")
    try:
        created = await client.envvars.create(project(), env, name=name, value="one")
        assert created.success is True
        fetched = await client.envvars.retrieve(project(), env, name)
        assert (fetched.name, fetched.value, fetched.is_secret) == (name, "one", False)
        listed = {each.name: each.value for each in await client.envvars.list(project(), env)}
        assert listed[name] == "one"

        assert (await client.envvars.update(project(), env, name, value="two")).success
        assert (await client.envvars.retrieve(project(), env, name)).value == "two"
        # Creating an existing variable overwrites it.
        await client.envvars.create(project(), env, name=name, value="three")
        assert (await client.envvars.retrieve(project(), env, name)).value == "three"

        assert (await client.envvars.delete(project(), env, name)).success
        with pytest.raises(trigger.NotFoundError) as caught:
            await client.envvars.retrieve(project(), env, name, request_options=NO_RETRY)
        assert caught.value.message == "Environment variable not found"
    finally:
        await delete_quietly(client, env, name)


async def test_envvar_lifecycle_with_the_secret_key(real: trigger.AsyncClient) -> None:
    await lifecycle(real, "dev")


@requires("pat")
async def test_envvar_lifecycle_with_a_personal_access_token(
    real: trigger.AsyncClient,
) -> None:
    await lifecycle(real.with_options(secret_key=settings().pat), "dev")


@requires("pat")
async def test_envvars_of_staging_with_a_personal_access_token(
    real: trigger.AsyncClient,
) -> None:
    pat = real.with_options(secret_key=settings().pat)
    name = variable_name("stg")
    try:
        await pat.envvars.create(project(), "staging", name=name, value="staged")
        assert (await pat.envvars.retrieve(project(), "stg", name)).value == "staged"
        names = {each.name for each in await pat.envvars.list(project(), "prod")}
        assert name not in names
    finally:
        await delete_quietly(pat, "staging", name)


async def test_secret_values_are_redacted(real: trigger.AsyncClient) -> None:
    name = variable_name("secret")
    try:
        await real.envvars.create(project(), "dev", name=name, value="hush", is_secret=True)
        fetched = await real.envvars.retrieve(project(), "dev", name)
        assert fetched.is_secret is True
        assert fetched.value == "<redacted>"
    finally:
        await delete_quietly(real, "dev", name)


async def test_upload_and_override(real: trigger.AsyncClient) -> None:
    first, second = variable_name("up_a"), variable_name("up_b")
    try:
        uploaded = await real.envvars.upload(project(), "dev", variables={first: "1", second: "2"})
        assert uploaded.success is True
        with pytest.raises(trigger.BadRequestError) as caught:
            await real.envvars.upload(
                project(), "dev", variables={first: "10"}, request_options=NO_RETRY
            )
        assert caught.value.message == (
            "Some of the variables are already set for these environments. "
            "Set override to true to override them."
        )
        assert isinstance(caught.value.body, dict)
        assert caught.value.body["variableErrors"][0]["key"] == first

        await real.envvars.upload(project(), "dev", variables={first: "10"}, override=True)
        assert (await real.envvars.retrieve(project(), "dev", first)).value == "10"
        assert (await real.envvars.retrieve(project(), "dev", second)).value == "2"

        await real.envvars.upload_dotenv(
            project(), "dev", text=f'# comment\nexport {second}="two words"\n', override=True
        )
        assert (await real.envvars.retrieve(project(), "dev", second)).value == "two words"
    finally:
        await delete_quietly(real, "dev", first, second)


async def test_upload_with_a_source(real: trigger.AsyncClient) -> None:
    # The server's `source` is {"type": "user", "userId"} or {"type": "integration",
    # "integration"}; any other value is refused with 400 "Invalid body".
    name = variable_name("source")
    try:
        uploaded = await real.envvars.upload(
            project(),
            "dev",
            variables={name: "1"},
            source={"type": "integration", "integration": "pytest"},
            request_options=NO_RETRY,
        )
        assert uploaded.success is True
        assert (await real.envvars.retrieve(project(), "dev", name)).value == "1"
    finally:
        await delete_quietly(real, "dev", name)


async def test_upload_of_only_blocked_names_is_refused(real: trigger.AsyncClient) -> None:
    with pytest.raises(trigger.BadRequestError) as caught:
        await real.envvars.upload(
            project(), "dev", variables={"TRIGGER_SECRET_KEY": "x"}, request_options=NO_RETRY
        )
    assert caught.value.message.startswith("You must set at least one valid variable.")


async def test_envvar_errors(real: trigger.AsyncClient) -> None:
    with pytest.raises(trigger.BadRequestError) as wrong_project:
        await real.envvars.list("proj_doesnotexist00000", "dev", request_options=NO_RETRY)
    assert wrong_project.value.message == (
        "Invalid project ref for this API key. Make sure you are using an API key "
        "associated with that project."
    )
    # A dev key cannot name another environment: refused before sending.
    with pytest.raises(ValueError, match="env"):
        await real.envvars.list(project(), "prod")
    stranger = real.with_options(secret_key="tr_dev_unknownkeyunknownkey00")
    with pytest.raises(trigger.AuthenticationError):
        await stranger.envvars.list(project(), "dev", request_options=NO_RETRY)


@requires("pat")
async def test_envvar_errors_with_a_personal_access_token(real: trigger.AsyncClient) -> None:
    pat = real.with_options(secret_key=settings().pat)
    with pytest.raises(trigger.NotFoundError) as unknown_project:
        await pat.envvars.list("proj_doesnotexist00000", "dev", request_options=NO_RETRY)
    assert unknown_project.value.message == "Project not found"
    with pytest.raises(trigger.NotFoundError) as unknown_name:
        await pat.envvars.retrieve(
            project(), "dev", variable_name("missing"), request_options=NO_RETRY
        )
    assert unknown_name.value.message == "Environment variable not found"
