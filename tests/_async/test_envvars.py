"""The env-vars API on the wire: paths, bodies, both credential forms, and ``.env`` uploads."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from trigger.types.envvars import EnvVar

pytestmark = pytest.mark.anyio

PAT = "tr_pat_0123456789abcdef"
PROD_KEY = "tr_prod_0123456789abcdefghijklmn"
DOTENV_FILE = Path(__file__).resolve().parent.parent / "data" / "envvars.env"
ROOT = f"{BASE_URL}/api/v1/projects/proj_yubjwjsfkxnylobaqvqz/envvars"

# From the spec's examples (SLACK_API_KEY / slack_123456), with isSecret as the server sends.
LISTED = [
    {"name": "SLACK_API_KEY", "value": "slack_123456", "isSecret": False},
    {"name": "STRIPE_SECRET", "value": "", "isSecret": True},
]
SUCCESS = {"success": True}

# What tests/data/envvars.env holds, as python-dotenv reads it without interpolation.
DOTENV_VARIABLES = {
    "SLACK_API_KEY": "slack_123456",
    "DATABASE_URL": "postgres://app:s3cr#t@db.example.com:5432/app",
    "SINGLE_QUOTED": "kept ${AS} written",
    "SPACED": "spaced value",
    "EMPTY": "",
    "PRIVATE_KEY": "-----BEGIN KEY-----\nline two\n-----END KEY-----",
    "ESCAPED": 'say "hi"\tthere',
    "REFERENCE": "${SLACK_API_KEY}-suffix",
}


def body(request: Any) -> Any:
    return msgspec.json.decode(request.content)


async def test_list_decodes_a_bare_array(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="GET", url=f"{ROOT}/dev", json=LISTED)
    variables = await client.envvars.list("proj_yubjwjsfkxnylobaqvqz", "dev")
    assert isinstance(variables, list)
    assert variables == [
        EnvVar(name="SLACK_API_KEY", value="slack_123456", is_secret=False),
        EnvVar(name="STRIPE_SECRET", value="", is_secret=True),
    ]
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.query == b""
    assert request.content == b""
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"


async def test_repr_never_shows_a_value(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=LISTED)
    variables = await client.envvars.list("proj_yubjwjsfkxnylobaqvqz", "dev")
    assert "slack_123456" not in repr(variables)
    assert "SLACK_API_KEY" in repr(variables[0])


@pytest.mark.parametrize(
    ("env", "slug"),
    [
        ("dev", "dev"),
        ("staging", "staging"),
        ("stg", "staging"),
        ("prod", "prod"),
        ("preview", "preview"),
    ],
)
async def test_a_personal_access_token_reaches_every_environment(
    env: str, slug: str, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="GET", url=f"{ROOT}/{slug}", json=LISTED)
    async with trigger.AsyncClient(PAT, base_url=BASE_URL) as pat_client:
        await pat_client.envvars.list("proj_yubjwjsfkxnylobaqvqz", env)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["authorization"] == f"Bearer {PAT}"


async def test_a_secret_key_uses_the_same_paths_for_its_own_environment(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(method="GET", url=f"{ROOT}/prod/SLACK_API_KEY", json=LISTED[0])
    async with trigger.AsyncClient(PROD_KEY, base_url=BASE_URL) as prod_client:
        variable = await prod_client.envvars.retrieve(
            "proj_yubjwjsfkxnylobaqvqz", "prod", "SLACK_API_KEY"
        )
    assert variable.value == "slack_123456"


@pytest.mark.parametrize(("key", "env"), [(SECRET_KEY, "prod"), (PROD_KEY, "staging")])
async def test_a_secret_key_of_another_environment_is_refused(
    key: str, env: str, httpx_mock: HTTPXMock
) -> None:
    async with trigger.AsyncClient(key, base_url=BASE_URL) as keyed_client:
        with pytest.raises(ValueError, match="does not match the client's secret key") as caught:
            await keyed_client.envvars.list("proj_1", env)
    message = str(caught.value)
    assert f"tr_{key.split('_')[1]}_" in message, "the key's environment prefix is named"
    assert key.split("_", 2)[2] not in message, "the secret part of the key is never echoed"
    assert httpx_mock.get_requests() == []


async def test_create_sends_name_value_and_is_secret(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=f"{ROOT}/dev", json=SUCCESS, is_reusable=True)
    result = await client.envvars.create(
        "proj_yubjwjsfkxnylobaqvqz", "dev", name="SLACK_API_KEY", value="slack_123456"
    )
    assert result.success is True
    await client.envvars.create(
        "proj_yubjwjsfkxnylobaqvqz", "dev", name="TOKEN", value="t0k", is_secret=True
    )
    assert [body(r) for r in httpx_mock.get_requests()] == [
        {"name": "SLACK_API_KEY", "value": "slack_123456"},
        {"name": "TOKEN", "value": "t0k", "isSecret": True},
    ]


async def test_retrieve_decodes_and_fills_a_missing_name(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="GET",
        url=f"{ROOT}/dev/SLACK_API_KEY",
        json={"name": "SLACK_API_KEY", "value": "slack_123456", "isSecret": False},
    )
    httpx_mock.add_response(
        method="GET", url=f"{ROOT}/dev/OLD_SERVER", json={"value": "slack_123456"}
    )
    current = await client.envvars.retrieve("proj_yubjwjsfkxnylobaqvqz", "dev", "SLACK_API_KEY")
    assert current == EnvVar(name="SLACK_API_KEY", value="slack_123456", is_secret=False)
    legacy = await client.envvars.retrieve("proj_yubjwjsfkxnylobaqvqz", "dev", "OLD_SERVER")
    assert legacy.name == "OLD_SERVER" and legacy.value == "slack_123456"
    assert [r.content for r in httpx_mock.get_requests()] == [b"", b""]


async def test_update_sends_a_put_with_the_value(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="PUT", url=f"{ROOT}/dev/SLACK_API_KEY", json=SUCCESS)
    result = await client.envvars.update(
        "proj_yubjwjsfkxnylobaqvqz", "dev", "SLACK_API_KEY", value="slack_654321"
    )
    assert result.success
    request = httpx_mock.get_request()
    assert request is not None
    assert body(request) == {"value": "slack_654321"}


async def test_delete_sends_no_body(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="DELETE", url=f"{ROOT}/dev/SLACK_API_KEY", json=SUCCESS)
    result = await client.envvars.delete("proj_yubjwjsfkxnylobaqvqz", "dev", "SLACK_API_KEY")
    assert result.success
    request = httpx_mock.get_request()
    assert request is not None
    assert request.content == b""
    assert request.url.query == b""


async def test_names_and_refs_are_one_encoded_segment(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=SUCCESS)
    await client.envvars.delete("../proj", "dev", "A/B?c#d")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path.decode() == "/api/v1/projects/..%2Fproj/envvars/dev/A%2FB%3Fc%23d"


async def test_upload_sends_variables_as_an_object(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=f"{ROOT}/dev/import", json=SUCCESS, is_reusable=True)
    await client.envvars.upload(
        "proj_yubjwjsfkxnylobaqvqz", "dev", variables={"SLACK_API_KEY": "slack_key_1234"}
    )
    await client.envvars.upload(
        "proj_yubjwjsfkxnylobaqvqz",
        "dev",
        variables={"A": "1", "B": ""},
        override=True,
        is_secret=False,
        parent_variables={"SHARED": "x"},
        source={"type": "integration", "integration": "python"},
    )
    assert [body(r) for r in httpx_mock.get_requests()] == [
        {"variables": {"SLACK_API_KEY": "slack_key_1234"}, "override": False},
        {
            "variables": {"A": "1", "B": ""},
            "override": True,
            "isSecret": False,
            "parentVariables": {"SHARED": "x"},
            "source": {"type": "integration", "integration": "python"},
        },
    ]


async def test_preview_branch_writes_go_with_the_branch_header(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=f"{ROOT}/preview/import", json=SUCCESS)
    async with trigger.AsyncClient(
        PAT, base_url=BASE_URL, preview_branch="feature-login"
    ) as branch_client:
        await branch_client.envvars.upload(
            "proj_yubjwjsfkxnylobaqvqz",
            "preview",
            variables={"API_URL": "https://feature.example.com"},
            parent_variables={"API_URL": "https://preview.example.com"},
        )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["x-trigger-branch"] == "feature-login"
    assert body(request)["parentVariables"] == {"API_URL": "https://preview.example.com"}


async def test_upload_dotenv_parses_a_real_file(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=f"{ROOT}/staging/import", json=SUCCESS)
    async with trigger.AsyncClient(PAT, base_url=BASE_URL) as pat_client:
        result = await pat_client.envvars.upload_dotenv(
            "proj_yubjwjsfkxnylobaqvqz", "staging", DOTENV_FILE, override=True, is_secret=True
        )
    assert result.success
    request = httpx_mock.get_request()
    assert request is not None
    assert body(request) == {
        "variables": DOTENV_VARIABLES,
        "override": True,
        "isSecret": True,
    }


async def test_upload_dotenv_takes_text_and_a_str_path(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=f"{ROOT}/dev/import", json=SUCCESS, is_reusable=True)
    await client.envvars.upload_dotenv(
        "proj_yubjwjsfkxnylobaqvqz", "dev", text="# c\nexport A='1 2'\nB=\"x\ny\"\n"
    )
    await client.envvars.upload_dotenv("proj_yubjwjsfkxnylobaqvqz", "dev", str(DOTENV_FILE))
    bodies = [body(r) for r in httpx_mock.get_requests()]
    assert bodies[0] == {"variables": {"A": "1 2", "B": "x\ny"}, "override": False}
    assert bodies[1]["variables"] == DOTENV_VARIABLES


async def test_upload_dotenv_interpolates_only_when_asked(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_ONLY", "from-this-machine")
    httpx_mock.add_response(method="POST", url=f"{ROOT}/dev/import", json=SUCCESS, is_reusable=True)
    text = "A=1\nB=${A}-b\nC=${LOCAL_ONLY}\n"
    await client.envvars.upload_dotenv("proj_yubjwjsfkxnylobaqvqz", "dev", text=text)
    await client.envvars.upload_dotenv(
        "proj_yubjwjsfkxnylobaqvqz", "dev", text=text, interpolate=True
    )
    bodies = [body(r)["variables"] for r in httpx_mock.get_requests()]
    assert bodies == [
        {"A": "1", "B": "${A}-b", "C": "${LOCAL_ONLY}"},
        {"A": "1", "B": "1-b", "C": "from-this-machine"},
    ]


async def test_upload_dotenv_without_the_extra_says_how_to_install_it(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dotenv", None)
    with pytest.raises(ImportError, match=r'pip install "trigger-sdk\[dotenv\]"'):
        await client.envvars.upload_dotenv("proj_1", "dev", DOTENV_FILE)
    assert httpx_mock.get_requests() == []


async def test_secret_values_are_never_logged(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    httpx_mock.add_response(json=SUCCESS, is_reusable=True)
    with caplog.at_level(logging.DEBUG):
        await client.envvars.create("proj_1", "dev", name="TOKEN", value="hunter2-value")
        await client.envvars.update("proj_1", "dev", "TOKEN", value="hunter2-value")
        await client.envvars.upload("proj_1", "dev", variables={"TOKEN": "hunter2-value"})
    assert caplog.records, "the pipeline logs each request at DEBUG"
    assert "hunter2-value" not in caplog.text


async def test_raw_response_of_every_method(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="GET", url=f"{ROOT}/dev", json=LISTED, headers={"x-ratelimit-remaining": "9"}
    )
    httpx_mock.add_response(method="GET", url=f"{ROOT}/dev/SLACK_API_KEY", json=LISTED[0])
    httpx_mock.add_response(json=SUCCESS, is_reusable=True)
    raw = client.envvars.with_raw_response
    listed = await raw.list("proj_yubjwjsfkxnylobaqvqz", "dev")
    assert listed.status_code == 200 and listed.headers["x-ratelimit-remaining"] == "9"
    assert listed.parse()[0].name == "SLACK_API_KEY"
    retrieved = await raw.retrieve("proj_yubjwjsfkxnylobaqvqz", "dev", "SLACK_API_KEY")
    assert retrieved.parse().value == "slack_123456"
    ref = "proj_yubjwjsfkxnylobaqvqz"
    writes = [
        await raw.create(ref, "dev", name="A", value="1"),
        await raw.update(ref, "dev", "A", value="2"),
        await raw.delete(ref, "dev", "A"),
        await raw.upload(ref, "dev", variables={"A": "1"}),
        await raw.upload_dotenv(ref, "dev", text="A=1\n"),
    ]
    assert [w.parse().success for w in writes] == [True] * 5
    methods = [(r.method, r.url.path.rsplit("/", 1)[-1]) for r in httpx_mock.get_requests()[2:]]
    assert methods == [
        ("POST", "dev"),
        ("PUT", "A"),
        ("DELETE", "A"),
        ("POST", "import"),
        ("POST", "import"),
    ]


async def test_a_missing_variable_is_a_not_found_error(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=404, json={"error": "Environment variable not found"})
    with pytest.raises(trigger.NotFoundError, match="Environment variable not found"):
        await client.envvars.retrieve("proj_1", "dev", "NOPE")


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "error", "message"),
    [
        ("list", ("proj_1", "qa"), {}, ValueError, "env has an unknown environment 'qa'"),
        ("list", ("proj_1", "Dev"), {}, ValueError, "unknown environment"),
        ("list", ("proj_1", ["dev"]), {}, TypeError, "env must be a str"),
        ("list", ("proj_1", "prod"), {}, ValueError, "does not match"),
        ("list", ("", "dev"), {}, ValueError, "project_ref"),
        ("list", (None, "dev"), {}, TypeError, "project_ref"),
        ("create", ("proj_1", "dev"), {"name": "", "value": "v"}, ValueError, "name"),
        ("create", ("proj_1", "dev"), {"name": "A", "value": 5}, TypeError, "value"),
        (
            "create",
            ("proj_1", "dev"),
            {"name": "A", "value": "v", "is_secret": "y"},
            TypeError,
            "is_secret",
        ),
        ("retrieve", ("proj_1", "dev", ""), {}, ValueError, "name"),
        ("update", ("proj_1", "dev", "A"), {"value": None}, TypeError, "value"),
        ("update", ("proj_1", "staging", "A"), {"value": "v"}, ValueError, "does not match"),
        ("delete", ("proj_1", "preview", "A"), {}, ValueError, "does not match"),
        ("upload", ("proj_1", "dev"), {"variables": {}}, ValueError, "at least one"),
        ("upload", ("proj_1", "dev"), {"variables": [("A", "1")]}, TypeError, "variables"),
        ("upload", ("proj_1", "dev"), {"variables": {"A": 1}}, TypeError, r"variables\['A'\]"),
        ("upload", ("proj_1", "dev"), {"variables": {"": "1"}}, ValueError, "variables key"),
        (
            "upload",
            ("proj_1", "dev"),
            {"variables": {"A": "1"}, "override": None},
            TypeError,
            "override",
        ),
        (
            "upload",
            ("proj_1", "dev"),
            {"variables": {"A": "1"}, "parent_variables": {"B": 2}},
            TypeError,
            "parent_variables",
        ),
        (
            "upload",
            ("proj_1", "dev"),
            {"variables": {"A": "1"}, "source": ""},
            TypeError,
            "source",
        ),
        (
            "upload",
            ("proj_1", "dev"),
            {"variables": {"A": "1"}, "source": {"type": "user", "userId": "u"}},
            ValueError,
            "source",
        ),
        (
            "upload",
            ("proj_1", "dev"),
            {"variables": {"A": "1"}, "source": {"type": "user", "user_id": ""}},
            ValueError,
            "user_id",
        ),
        ("upload_dotenv", ("proj_1", "dev"), {}, ValueError, "path or text"),
        (
            "upload_dotenv",
            ("proj_1", "dev", DOTENV_FILE),
            {"text": "A=1"},
            ValueError,
            "path or text",
        ),
        ("upload_dotenv", ("proj_1", "dev", 42), {}, TypeError, "path"),
        (
            "upload_dotenv",
            ("proj_1", "dev"),
            {"text": "# only a comment\n"},
            ValueError,
            "no variables",
        ),
        (
            "upload_dotenv",
            ("proj_1", "dev"),
            {"text": "A=1\nBARE\nALSO_BARE\n"},
            ValueError,
            "without a value.*BARE, ALSO_BARE",
        ),
        (
            "upload_dotenv",
            ("proj_1", "dev"),
            {"text": "A=1", "interpolate": "no"},
            TypeError,
            "interpolate",
        ),
        ("upload_dotenv", ("proj_1", "qa"), {"text": "A=1"}, ValueError, "unknown environment"),
        (
            "upload_dotenv",
            ("proj_1", "dev", DOTENV_FILE.with_name("missing.env")),
            {},
            FileNotFoundError,
            "missing.env",
        ),
    ],
)
async def test_bad_input_is_refused_before_sending(
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(error, match=message):
        await getattr(client.envvars, method)(*args, **kwargs)
    assert httpx_mock.get_requests() == []


async def test_a_bad_value_is_named_but_never_echoed(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(TypeError) as caught:
        await client.envvars.upload("proj_1", "dev", variables={"TOKEN": b"hunter2"})  # type: ignore[dict-item]
    assert "TOKEN" in str(caught.value) and "hunter2" not in str(caught.value)
    assert httpx_mock.get_requests() == []
