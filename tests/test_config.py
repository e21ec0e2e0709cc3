"""Configuration from arguments and environment variables, and the module-level API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from tests.fixtures import LISTED_RUN
from trigger import _default
from trigger._config import key_kind


@pytest.fixture(autouse=True)
def reset_default_client() -> Iterator[None]:
    yield
    if _default._client is not None:
        _default._client.close()
    _default._client = None
    _default._settings.clear()


def test_key_from_argument_then_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIGGER_ACCESS_TOKEN", "tr_pat_fromaccess")
    assert trigger.Client()._config.api_key == "tr_pat_fromaccess"
    monkeypatch.setenv("TRIGGER_SECRET_KEY", "tr_dev_fromsecret")
    assert trigger.Client()._config.api_key == "tr_dev_fromsecret"
    assert trigger.Client("tr_prod_arg")._config.api_key == "tr_prod_arg"
    assert trigger.Client(access_token="tr_prod_tok")._config.api_key == "tr_prod_tok"


def test_conflicting_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="secret_key or access_token"):
        trigger.Client("tr_dev_a", access_token="tr_dev_b")


@pytest.mark.parametrize("bad", ["", "tr_dev_a\nx", "tr dev"])
def test_malformed_keys_are_refused_without_echoing_them(bad: str) -> None:
    with pytest.raises(ValueError, match="secret_key") as caught:
        trigger.Client(bad)
    if bad:
        assert bad not in str(caught.value)


def test_base_url_and_branch_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    client = trigger.Client(SECRET_KEY)
    assert client.base_url == "https://api.trigger.dev"
    monkeypatch.setenv("TRIGGER_API_URL", "http://127.0.0.1:3030/")
    monkeypatch.setenv("TRIGGER_PREVIEW_BRANCH", "feature-y")
    client = trigger.Client(SECRET_KEY)
    assert client.base_url == "http://127.0.0.1:3030"
    assert client._config.base_headers["x-trigger-branch"] == "feature-y"
    assert (
        trigger.Client(SECRET_KEY, base_url="http://127.0.0.1:1").base_url == "http://127.0.0.1:1"
    )


def test_dev_branch_default_means_no_branch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIGGER_DEV_BRANCH", "default")
    assert "x-trigger-branch" not in trigger.Client(SECRET_KEY)._config.base_headers
    monkeypatch.setenv("TRIGGER_DEV_BRANCH", "mine")
    assert trigger.Client(SECRET_KEY)._config.base_headers["x-trigger-branch"] == "mine"


def test_streams_version_can_be_v1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIGGER_V2_REALTIME_STREAMS", "false")
    headers = trigger.Client(SECRET_KEY)._config.base_headers
    assert headers["x-trigger-realtime-streams-version"] == "v1"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_url": "ftp://x"}, "base_url"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": "5"}, "timeout"),
        ({"retry": {"max_attempts": 1}}, "retry"),
        ({"preview_branch": ""}, "preview_branch"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        trigger.Client(SECRET_KEY, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("tr_dev_abc", "secret_key"),
        ("tr_prod_sk_abcdefghijklmnopqrstuvwx", "secret_key"),
        ("tr_pat_abc", "personal_access_token"),
        ("pk_dev_abc", "public_key"),
        ("eyJhbGciOiJIUzI1NiJ9.e30.sig", "public_access_token"),
    ],
)
def test_key_kinds(key: str, kind: str) -> None:
    assert key_kind(key) == kind


def test_configure_then_module_level_runs_list(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"data": [LISTED_RUN], "pagination": {}})
    trigger.configure(secret_key=SECRET_KEY, base_url=BASE_URL)
    page = trigger.runs.list(limit=10, status=["COMPLETED"])
    assert [run.id for run in page.data] == [LISTED_RUN["id"]]
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert request.url.params["filter[status]"] == "COMPLETED"


def test_configure_again_replaces_the_client(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"data": [], "pagination": {}}, is_reusable=True)
    trigger.configure(access_token="tr_dev_first", base_url=BASE_URL)
    first = trigger.default_client()
    trigger.configure(access_token="tr_dev_second", base_url=BASE_URL)
    assert trigger.default_client() is not first
    trigger.runs.list()
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["authorization"] == "Bearer tr_dev_second"


def test_configure_validates_at_once() -> None:
    with pytest.raises(ValueError, match="base_url"):
        trigger.configure(base_url="nope")


def test_module_level_api_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    monkeypatch.setenv("TRIGGER_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("TRIGGER_API_URL", BASE_URL)
    httpx_mock.add_response(json={"id": "run_1"})
    assert trigger.runs.cancel("run_1").id == "run_1"
    assert "default client" in repr(trigger.runs)


def test_exported_names() -> None:
    for name in trigger.__all__:
        assert hasattr(trigger, name), name
    assert trigger.ApiError is trigger.APIError
    assert trigger.Client.__module__ == "trigger"
    assert trigger.AsyncClient.__module__ == "trigger"
    assert trigger.Client.__name__ == "Client"


def test_configure_sets_the_retry_policy(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr("trigger._retry.sleep", sleeps.append)
    httpx_mock.add_response(status_code=503, is_reusable=True)
    trigger.configure(
        secret_key=SECRET_KEY,
        base_url=BASE_URL,
        retry=trigger.RetryOptions(max_attempts=3, min_timeout=0.25, randomize=False),
    )
    with pytest.raises(trigger.InternalServerError):
        trigger.runs.cancel("run_1")
    assert len(httpx_mock.get_requests()) == 3
    assert sleeps == [0.25, 0.4]


def test_module_level_calls_check_request_options_before_sending(httpx_mock: HTTPXMock) -> None:
    trigger.configure(secret_key=SECRET_KEY, base_url=BASE_URL)
    with pytest.raises(TypeError, match="unknown key 'max_retries'"):
        trigger.runs.cancel("run_1", request_options={"max_retries": 3})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"request_options\['max_attempts'\] must be an int"):
        trigger.runs.list(request_options={"max_attempts": "3"})  # type: ignore[arg-type]
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 0, -1])
def test_a_timeout_must_be_finite_and_positive(value: float) -> None:
    # NaN and infinity would reach httpx's and anyio's clocks, which refuse them or never
    # time out: refused before any request, by the client and per call.
    with pytest.raises(ValueError, match="timeout must be a positive, finite number"):
        trigger.Client("tr_dev_x", timeout=value)
    client = trigger.Client("tr_dev_x", base_url="http://127.0.0.1:9")
    with pytest.raises(ValueError, match="timeout must be a positive, finite number"):
        client.runs.retrieve("run_1", request_options={"timeout": value})
