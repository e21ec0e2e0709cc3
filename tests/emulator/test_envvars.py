"""Environment variables through the SDK (key and PAT) and raw HTTP, as the real server answers."""

from __future__ import annotations

import httpx
import pytest

import trigger
from trigger.emulator import Emulator


def test_crud_and_import_through_the_sdk(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    ref = trigger_emulator.project_ref
    envvars = trigger_client.envvars
    assert envvars.list(ref, "dev") == []
    assert envvars.create(ref, "dev", name="API_URL", value="https://a").success is True
    envvars.create(ref, "dev", name="TOKEN", value="s3cret", is_secret=True)
    secret = envvars.retrieve(ref, "dev", "TOKEN")
    assert (secret.value, secret.is_secret) == ("<redacted>", True)
    envvars.update(ref, "dev", "API_URL", value="https://b")
    assert [(v.name, v.value) for v in envvars.list(ref, "dev")] == [
        ("TOKEN", "<redacted>"),
        ("API_URL", "https://b"),  # the last write comes last, like the server's table
    ]
    with pytest.raises(trigger.BadRequestError) as refused:
        envvars.upload(ref, "dev", variables={"API_URL": "https://c", "NEW": "1"})
    assert "Set override to true" in str(refused.value)
    assert [v.name for v in envvars.list(ref, "dev")] == ["TOKEN", "API_URL"]  # nothing written
    envvars.upload(ref, "dev", variables={"API_URL": "https://c", "NEW": "1"}, override=True)
    assert envvars.retrieve(ref, "dev", "API_URL").value == "https://c"
    envvars.delete(ref, "dev", "NEW")
    with pytest.raises(trigger.NotFoundError):
        envvars.retrieve(ref, "dev", "NEW")


@pytest.mark.anyio
async def test_a_personal_access_token_reaches_every_environment(
    trigger_emulator: Emulator,
) -> None:
    ref = trigger_emulator.project_ref
    async with trigger_emulator.async_client(
        secret_key=trigger_emulator.personal_access_token
    ) as client:
        await client.envvars.create(ref, "prod", name="REGION", value="eu")
        await client.envvars.create(ref, "staging", name="REGION", value="us")
        assert [v.value for v in await client.envvars.list(ref, "prod")] == ["eu"]
        assert [v.value for v in await client.envvars.list(ref, "stg")] == ["us"]
        assert await client.envvars.list(ref, "dev") == []
    async with trigger_emulator.async_client("prod") as prod:
        assert (await prod.envvars.retrieve(ref, "prod", "REGION")).value == "eu"


def test_a_key_asking_for_another_environment_gets_its_own(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    base = f"/api/v1/projects/{trigger_emulator.project_ref}/envvars"
    http.post(f"{base}/dev", json={"name": "A", "value": "1"})
    # Measured on the real server: the slug is ignored for a root key without a branch.
    for slug in ("prod", "bogus"):
        response = http.get(f"{base}/{slug}")
        assert response.json() == [{"name": "A", "value": "1", "isSecret": False}]


def test_error_bodies(trigger_emulator: Emulator, http: httpx.Client) -> None:
    ref = trigger_emulator.project_ref
    base = f"/api/v1/projects/{ref}/envvars"
    pat = {"authorization": f"Bearer {trigger_emulator.personal_access_token}"}
    cases = [
        ("POST", f"{base}/dev", {"name": "A"}, None, 400, None),
        ("POST", f"{base}/dev", {"name": "TRIGGER_SECRET_KEY", "value": "x"}, None, 400,
         {"error": "You must set at least one valid variable. "
                   "All the variables submitted are not allowed."}),
        ("POST", f"{base}/dev", {"name": " ", "value": "x"}, None, 400,
         {"error": "You must set at least one valid variable."}),
        ("GET", f"{base}/dev/NOPE", None, None, 404, {"error": "Environment variable not found"}),
        ("GET", "/api/v1/projects/proj_other/envvars/dev", None, None, 400,
         {"error": "Invalid project ref for this API key. Make sure you are using an API key "
                   "associated with that project."}),
        ("POST", f"{base}/dev/import", {"vars": {}}, None, 400, {"error": "Invalid body"}),
        # ``source`` is a user or an integration (measured on the real server).
        ("POST", f"{base}/dev/import", {"variables": {"A": "1"}, "source": "cli"}, None, 400,
         {"error": "Invalid body"}),
        ("POST", f"{base}/dev/import", {"variables": {"A": "1"}, "source": {"type": "bot"}},
         None, 400, {"error": "Invalid body"}),
        ("POST", f"{base}/dev/import", {"variables": {"A": "1"}, "source": {"type": "user"}},
         None, 400, {"error": "Invalid body"}),
        ("POST", f"{base}/dev/import",
         {"variables": {"A": "1"}, "source": {"type": "integration", "integration": "vercel"}},
         None, 200, {"success": True}),
        ("GET", f"{base}/bogus", None, pat, 404, {"error": "Environment not found"}),
        ("GET", "/api/v1/projects/proj_x/envvars/dev", None, pat, 404,
         {"error": "Project not found"}),
        ("GET", f"{base}/preview", None, {**pat, "x-trigger-branch": "nope"}, 404,
         {"error": "Branch not found"}),
        ("GET", f"{base}/dev", None, {"authorization": "Bearer garbage"}, 401,
         {"error": "Invalid API key"}),
        ("GET", f"{base}/dev/import", None, None, 400, {"message": "Unexpected Server Error"}),
    ]  # fmt: skip
    for method, path, body, headers, status, expected in cases:
        response = http.request(method, path, json=body, headers=headers)
        assert response.status_code == status, (path, response.text)
        if expected is not None:
            assert response.json() == expected, path
    missing = http.post(f"{base}/dev", json={"name": "A"}).json()
    assert missing == {
        "error": "Invalid request body",
        "issues": [
            {
                "code": "invalid_type",
                "expected": "string",
                "received": "undefined",
                "path": ["value"],
                "message": "Required",
            }
        ],
    }
    http.post(f"{base}/dev", json={"name": "ONLY_DEV", "value": "1"})
    other_env = http.delete(f"{base}/prod/ONLY_DEV", headers=pat)
    assert other_env.json() == {"error": "Environment variable value not found"}
    http.post(f"{base}/dev/import", json={"variables": {"ONLY_DEV": "2"}})
    clash = http.post(f"{base}/dev/import", json={"variables": {"ONLY_DEV": "2"}}).json()
    assert clash["variableErrors"] == [
        {"key": "ONLY_DEV", "error": "Variable already set in Development."}
    ]


def test_dotenv_upload_and_branch_inheritance(trigger_emulator: Emulator) -> None:
    ref = trigger_emulator.project_ref
    with httpx.Client(base_url=trigger_emulator.url) as http:
        parent = {"authorization": f"Bearer {trigger_emulator.keys['preview']}"}
        branch = {**parent, "x-trigger-branch": "main"}
        base = f"/api/v1/projects/{ref}/envvars/preview"
        files = {"variables": (".env", b'# comment\nexport SHARED=parent\nQUOTED="a b"\n')}
        pat = {"authorization": f"Bearer {trigger_emulator.personal_access_token}"}
        response = http.post(f"{base}/import", files=files, headers=pat)
        assert response.json() == {"success": True}
        http.post(base, json={"name": "SHARED", "value": "branch"}, headers=branch)
        values = {v["name"]: v["value"] for v in http.get(base, headers=branch).json()}
        assert values == {"SHARED": "branch", "QUOTED": "a b"}
        assert http.get(base, headers=parent).status_code == 401  # a preview key needs a branch
