"""Against a real server: credentials, deployments, error groups, sessions and TRQL queries.

Opt-in: set ``TRIGGER_REAL_API_URL`` and ``TRIGGER_REAL_SECRET_KEY`` (see
docs/guides/real-server.md); the other groups are in the ``test_real_*.py`` modules beside this
one. Without them every test here is skipped.
"""

from __future__ import annotations

import pytest

import trigger
from tests.real_server import (
    NO_RETRY,
    requires,
    settings,
    skip_unless_configured,
    unique,
)

skip_unless_configured()
pytestmark = pytest.mark.anyio


# -- credentials -----------------------------------------------------------------------------


async def test_unknown_secret_key_is_refused(real: trigger.AsyncClient) -> None:
    stranger = real.with_options(secret_key="tr_dev_unknownkeyunknownkey00")
    with pytest.raises(trigger.AuthenticationError) as caught:
        await stranger.runs.list(limit=1, request_options=NO_RETRY)
    assert caught.value.status == 401
    assert caught.value.message == "Invalid API key"
    assert "unknownkey" not in str(caught.value)


@requires("pat")
async def test_personal_access_token_is_not_an_api_key(real: trigger.AsyncClient) -> None:
    pat = real.with_options(secret_key=settings().pat)
    with pytest.raises(trigger.AuthenticationError) as caught:
        await pat.runs.retrieve("run_doesnotexist0000000000", request_options=NO_RETRY)
    assert caught.value.message == "Invalid API key"
    with pytest.raises(trigger.AuthenticationError) as schedules:
        await pat.schedules.list(request_options=NO_RETRY)
    assert schedules.value.message == "Invalid or Missing API Key"
    # Public tokens are signed with a secret key: refused before any request.
    with pytest.raises(ValueError, match="secret key"):
        await pat.auth.create_public_token(scopes="read:runs")


async def test_secret_key_cannot_use_project_routes(real: trigger.AsyncClient) -> None:
    with pytest.raises(ValueError, match="personal access token"):
        await real.runs.list(project_ref="proj_anything", env="dev")


@requires("prod_key")
async def test_keys_of_other_environments_see_their_own_data(
    real: trigger.AsyncClient,
) -> None:
    prod = real.with_options(secret_key=settings().prod_key)
    dev_claims = await real.auth.retrieve_jwt_claims()
    prod_claims = await prod.auth.retrieve_jwt_claims()
    assert dev_claims.sub != prod_claims.sub


# -- deployments -----------------------------------------------------------------------------


async def test_dev_has_no_deployments(real: trigger.AsyncClient) -> None:
    # A dev environment runs on the CLI's worker: it is never deployed.
    assert (await real.deployments.list(limit=10)).data == []
    with pytest.raises(trigger.NotFoundError) as current:
        await real.deployments.retrieve_current(request_options=NO_RETRY)
    assert current.value.message == "Not found"
    with pytest.raises(trigger.NotFoundError) as latest:
        await real.deployments.retrieve_latest(request_options=NO_RETRY)
    assert latest.value.message == "Deployment not found"


async def test_deployment_errors(real: trigger.AsyncClient) -> None:
    with pytest.raises(trigger.NotFoundError) as retrieve:
        await real.deployments.retrieve("deployment_doesnotexist000000", request_options=NO_RETRY)
    assert retrieve.value.message == "Deployment not found"
    with pytest.raises(trigger.NotFoundError) as promote:
        await real.deployments.promote("19990101.1", request_options=NO_RETRY)
    assert promote.value.message == "Deployment not found"


@requires("prod_key")
async def test_deployments_of_prod(real: trigger.AsyncClient) -> None:
    prod = real.with_options(secret_key=settings().prod_key)
    page = await prod.deployments.list(period="30d")
    assert all(deployment.id for deployment in page.data)


# -- error groups ----------------------------------------------------------------------------


async def test_error_groups(real: trigger.AsyncClient) -> None:
    page = await real.errors.list(period="7d", limit=5)
    for group in page.data:
        assert group.id.startswith("error_")
        fetched = await real.errors.retrieve(group.id)
        assert fetched.id == group.id
    with pytest.raises(trigger.NotFoundError) as caught:
        await real.errors.retrieve("error_doesnotexist000000000", request_options=NO_RETRY)
    assert caught.value.message == "Not found"
    with pytest.raises(trigger.NotFoundError) as action:
        await real.errors.resolve("error_doesnotexist000000000", request_options=NO_RETRY)
    assert action.value.message == "Resource not found"


# -- sessions --------------------------------------------------------------------------------


async def test_session_lifecycle(real: trigger.AsyncClient) -> None:
    external = unique("session")
    tag = unique("session-tag")
    created = await real.sessions.create(
        type="pytest.session",
        task_identifier=settings().task,
        trigger_config={"base_payload": {"from": "session"}},
        external_id=external,
        tags=[tag],
        metadata={"who": "pytest"},
    )
    try:
        assert created.id.startswith("session_")
        assert created.is_cached is False
        assert created.run_id.startswith("run_")
        assert created.public_access_token
        assert created.external_id == external

        again = await real.sessions.create(
            type="pytest.session",
            task_identifier=settings().task,
            trigger_config={"base_payload": {"from": "session"}},
            external_id=external,
        )
        assert again.id == created.id
        assert again.is_cached is True

        fetched = await real.sessions.retrieve(external)
        assert fetched.id == created.id
        assert fetched.trigger_config is not None
        assert fetched.trigger_config.base_payload == {"from": "session"}
        assert fetched.metadata == {"who": "pytest"}

        updated = await real.sessions.update(created.id, tags=[tag, "second"], metadata=None)
        assert sorted(updated.tags) == sorted([tag, "second"])

        run = await real.runs.poll(created.run_id, interval=0.5, timeout=settings().run_timeout)
        assert run.status == "COMPLETED"
    finally:
        closed = await real.sessions.close(created.id, reason="pytest done")
    assert closed.closed_at is not None
    assert closed.closed_reason == "pytest done"

    with pytest.raises(trigger.ConflictError) as caught:
        await real.sessions.create(
            type="pytest.session",
            task_identifier=settings().task,
            trigger_config={"base_payload": {}},
            external_id=external,
            request_options=NO_RETRY,
        )
    assert caught.value.message == (
        "Session is closed; use a different externalId to create a new session"
    )


@requires("session_channels")
async def test_session_channels(real: trigger.AsyncClient) -> None:
    created = await real.sessions.create(
        type="pytest.channels",
        task_identifier=settings().task,
        trigger_config={"base_payload": {"from": "channels"}},
        external_id=unique("channels"),
    )
    try:
        part = unique("part")
        appended = await real.sessions.append(created.id, "in", {"hello": 1}, part_id=part)
        assert appended.ok is True
        again = await real.sessions.append(created.id, "in", {"hello": 1}, part_id=part)
        assert again.ok is True
        records = (await real.sessions.records(created.id, "in")).records
        assert [record.data for record in records].count({"hello": 1}) == 1
    finally:
        await real.sessions.close(created.id)
        await real.runs.poll(created.run_id, interval=0.5, timeout=settings().run_timeout)


async def test_session_errors(real: trigger.AsyncClient) -> None:
    with pytest.raises(trigger.NotFoundError):
        await real.sessions.retrieve("session_doesnotexist0000000", request_options=NO_RETRY)


# -- query -----------------------------------------------------------------------------------


async def test_query(real: trigger.AsyncClient) -> None:
    result = await real.query.execute(
        "SELECT run_id, status FROM runs LIMIT 3", period="1d", request_options=NO_RETRY
    )
    assert isinstance(result, trigger.types.QueryJSONResult)
    assert len(result.results) <= 3
    for row in result.results:
        assert set(row) == {"run_id", "status"}
    csv = await real.query.execute(
        "SELECT run_id FROM runs LIMIT 1", format="csv", request_options=NO_RETRY
    )
    assert isinstance(csv.results, str)

    schema = await real.query.schema()
    assert "runs" in {table.name for table in schema.tables}
    dashboards = await real.query.dashboards.list()
    assert all(dashboard.key for dashboard in dashboards.dashboards)

    with pytest.raises(trigger.BadRequestError):
        await real.query.execute("SELEC nonsense FROM", request_options=NO_RETRY)
