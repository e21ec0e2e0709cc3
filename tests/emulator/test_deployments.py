"""Deployments: the seeded current deployment, listing, retrieve, latest and promote."""

from __future__ import annotations

import httpx
import pytest

import trigger
from trigger.emulator import Emulator


def _deploy(http: httpx.Client, **body: object) -> dict[str, object]:
    response = http.post("/_emulator/deployments", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def test_every_environment_starts_with_a_current_deployment(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    @trigger_emulator.task("resize")
    def resize(payload: object) -> None:
        return None

    current = trigger_client.deployments.retrieve_current()
    assert current.status == "DEPLOYED"
    listed = list(trigger_client.deployments.list())
    assert [item.id for item in listed] == [current.id]
    detail = trigger_client.deployments.retrieve(current.id)
    assert detail.version == current.version
    assert detail.worker is not None
    assert [task.slug for task in detail.worker.tasks] == ["resize"]
    latest = trigger_client.deployments.retrieve_latest()
    assert latest.id == current.id
    # Runs are locked to the current version once they start.
    run = trigger_client.runs.poll(trigger_client.tasks.trigger("resize").id, interval=0.1)
    assert run.version == current.version


@pytest.mark.anyio
async def test_promote_moves_the_current_label(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    with httpx.Client(base_url=trigger_emulator.url) as http:
        newer = _deploy(http, version="20991231.1")
        older = _deploy(http, version="20000101.1")
        failed = _deploy(http, version="20991231.2", status="FAILED")
    deployments = trigger_async_client.deployments
    promoted = await deployments.promote("20991231.1")
    assert (promoted.id, promoted.version) == (newer["id"], "20991231.1")
    assert (await deployments.retrieve_current()).id == newer["id"]
    with pytest.raises(trigger.BadRequestError, match="already the current deployment"):
        await deployments.promote("20991231.1")
    with pytest.raises(trigger.BadRequestError, match="older than the current deployment"):
        await deployments.promote("20000101.1")
    with pytest.raises(trigger.BadRequestError, match="must be in the DEPLOYED state"):
        await deployments.promote(str(failed["version"]))
    rolled_back = await deployments.promote("20000101.1", allow_rollbacks=True)
    assert rolled_back.id == older["id"]
    with pytest.raises(trigger.NotFoundError):
        await deployments.promote("1.1")
    statuses = [item.status async for item in deployments.list(status="FAILED")]
    assert statuses == ["FAILED"]


def test_pages_and_error_bodies(trigger_emulator: Emulator, http: httpx.Client) -> None:
    for index in range(6):
        _deploy(http, version=f"2099010{index}.1")
    first = http.get("/api/v1/deployments", params={"page[size]": "1"}).json()
    assert len(first["data"]) == 5  # the server never returns fewer than 5 a page
    cursor = first["pagination"]["next"]
    assert cursor == first["data"][-1]["id"]
    rest = http.get("/api/v1/deployments", params={"page[after]": cursor}).json()
    assert len(rest["data"]) == 2 and rest["pagination"] == {}
    assert list(first["data"][0]) == [
        "id",
        "createdAt",
        "shortCode",
        "version",
        "runtime",
        "runtimeVersion",
        "status",
        "deployedAt",
        "git",
    ]
    bad = http.get("/api/v1/deployments", params={"page[size]": "101", "status": "X"}).json()
    assert bad["error"] == "Query Error"
    assert [issue["message"] for issue in bad["details"]] == [
        "Invalid enum value. Expected 'PENDING' | 'BUILDING' | 'DEPLOYING' | 'DEPLOYED' | "
        "'FAILED' | 'CANCELED' | 'TIMED_OUT', received 'X'",
        "Limit must be less than 100",
    ]
    period = http.get("/api/v1/deployments", params={"period": "abc"})
    assert (period.status_code, period.json()) == (500, {"error": "Internal Server Error"})
    unknown = http.get("/api/v1/deployments/deployment_nope")
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Deployment not found"})
    no_loader = http.get("/api/v1/deployments/20990101.1/promote")
    assert (no_loader.status_code, no_loader.json()) == (
        400,
        {"message": "Unexpected Server Error"},
    )
    no_action = http.post("/api/v1/deployments/current")
    assert no_action.status_code == 405
    anonymous = httpx.get(f"{trigger_emulator.url}/api/v1/deployments/current")
    # The path is exempt from the missing-header 401, so the route answers itself.
    assert anonymous.json() == {"error": "Invalid or Missing API key"}


def test_public_tokens_need_deployment_scopes(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    # The SDK signs only the scopes it knows; the server mints any scope a root key covers.
    minted = http.post("/api/v1/auth/public-tokens", json={"scopes": ["read:deployments:current"]})
    token = minted.json()["token"]
    with trigger_emulator.client(secret_key=token) as browser:
        assert browser.deployments.retrieve_current().status == "DEPLOYED"
        with pytest.raises(trigger.PermissionDeniedError):
            list(browser.deployments.list())


def test_a_version_lock_needs_a_worker_with_that_version(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    # The real server answers 500 `Something went wrong` for a version no worker has.
    unknown = http.post(
        "/api/v1/tasks/locked/trigger", json={"payload": 1, "options": {"lockToVersion": "0.0.0"}}
    )
    assert (unknown.status_code, unknown.json()) == (500, {"error": "Something went wrong"})
    assert list(trigger_client.runs.list(task_identifier="locked")) == []
    current = trigger_client.deployments.retrieve_current()
    seeded = trigger_client.tasks.trigger("locked", 1, version=current.version)
    assert trigger_client.runs.retrieve(seeded.id).version == current.version
    _deploy(http, env="dev", version="20990101.1")
    later = trigger_client.tasks.trigger("locked", 1, version="20990101.1")
    assert trigger_client.runs.retrieve(later.id).version == "20990101.1"
    # A version deployed to another environment is not this one's.
    _deploy(http, env="prod", version="20990101.2")
    elsewhere = http.post(
        "/api/v1/tasks/locked/trigger",
        json={"payload": 1, "options": {"lockToVersion": "20990101.2"}},
    )
    assert elsewhere.status_code == 500


def test_an_emulator_may_start_without_a_deployment() -> None:
    with pytest.raises(TypeError, match="seed_deployment"):
        Emulator(seed_deployment="no")  # type: ignore[arg-type]
    with Emulator(seed_deployment=False) as emulator, emulator.client() as client:
        assert list(client.deployments.list()) == []
        with pytest.raises(trigger.NotFoundError):
            client.deployments.retrieve_current()
        # The local worker still runs tasks, and its version may be locked to.
        handle = client.tasks.trigger("job", 1)
        version = client.runs.poll(handle.id, interval=0.1, timeout=10).version
        assert version is not None
        assert client.tasks.trigger("job", 1, version=version).id.startswith("run_")
        with httpx.Client(base_url=emulator.url) as http:
            deployed = http.post("/_emulator/deployments", json={"version": "20990101.1"})
            assert deployed.status_code == 201
        assert [d.version for d in client.deployments.list()] == ["20990101.1"]


def test_deployments_carry_git_metadata(http: httpx.Client) -> None:
    # As a deploy from a clean local checkout records it (the 4.8.3 client's schema takes an
    # object or no key, not null).
    [seeded] = http.get("/api/v1/deployments").json()["data"]
    git = seeded["git"]
    assert list(git) == [
        "source",
        "remoteUrl",
        "commitAuthorName",
        "commitMessage",
        "commitRef",
        "commitSha",
        "dirty",
    ]
    assert (git["source"], git["dirty"], len(git["commitSha"])) == ("local", False, 40)
    assert http.get("/api/v1/deployments/current").json()["git"] == git
    bare = _deploy(http, version="20990101.1", git=None)
    assert bare["git"] is None
    listed = {d["version"]: d for d in http.get("/api/v1/deployments").json()["data"]}
    assert listed["20990101.1"]["git"] is None
    custom = _deploy(http, version="20990101.2", git={"commitRef": "feature"})
    assert custom["git"] == {"commitRef": "feature"}
    refused = http.post("/_emulator/deployments", json={"version": "20990101.3", "git": "x"})
    assert (refused.status_code, refused.json()) == (
        400,
        {"error": "git must be an object or null"},
    )
