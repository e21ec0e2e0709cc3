"""Keys, branches, headers and base URLs from arguments and environment variables.

Whatever cannot be sent as an HTTP header (or used as a base URL) is refused when the client
is made, with an error naming the argument or the variable and never quoting the value:
before, a trailing newline in ``TRIGGER_SECRET_KEY`` failed inside h11 on every attempt
with the whole key in the message, and was retried as a network error.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import h11
import httpx
import pytest

import trigger
from tests.conftest import SECRET_KEY
from tests.faultserver import FaultServer, json_fault
from trigger import _default

# Each of these breaks a header: CR, LF, NUL, another C0 control, DEL, a C1 control, a
# non-ASCII letter (httpx encodes str header values as ASCII), a non-Latin-1 character.
BAD_CHARACTERS = ["\r", "\n", "\0", "\x1b", "\x7f", "\x85", "é", "€"]
# The environment cannot hold NUL.
BAD_ENV_CHARACTERS = [c for c in BAD_CHARACTERS if c != "\0"]
SECRET = "tr_dev_Zq8secretpart0123456789"


@pytest.fixture(autouse=True)
def reset_default_client() -> Iterator[None]:
    yield
    if _default._client is not None:
        _default._client.close()
    _default._client = None
    _default._settings.clear()


def assert_not_echoed(error: BaseException, secret: str) -> None:
    """The secret is in none of the message, the args, the cause chain or a pickle."""
    seen: BaseException | None = error
    while seen is not None:
        assert secret not in str(seen)
        assert secret not in repr(seen.args)
        seen = seen.__cause__ or seen.__context__
    assert secret.encode() not in pickle.dumps(error)


@pytest.mark.parametrize("variable", ["TRIGGER_SECRET_KEY", "TRIGGER_ACCESS_TOKEN"])
@pytest.mark.parametrize("bad", [f"{SECRET}\n", f"{SECRET} ", f" {SECRET}", f"{SECRET}\t"])
def test_a_key_from_the_environment_with_whitespace_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, bad: str
) -> None:
    monkeypatch.setenv(variable, bad)
    with pytest.raises(ValueError, match=f"^{variable} contains whitespace") as caught:
        trigger.Client()
    assert_not_echoed(caught.value, SECRET)


@pytest.mark.parametrize("variable", ["TRIGGER_SECRET_KEY", "TRIGGER_ACCESS_TOKEN"])
@pytest.mark.parametrize("character", BAD_ENV_CHARACTERS)
def test_a_key_from_the_environment_is_checked_like_the_argument(
    monkeypatch: pytest.MonkeyPatch, variable: str, character: str
) -> None:
    bad = SECRET[:10] + character + SECRET[10:]
    with pytest.raises(ValueError, match=r"^secret_key contains") as from_argument:
        trigger.Client(bad)
    monkeypatch.setenv(variable, bad)
    with pytest.raises(ValueError, match=f"^{variable} contains") as from_env:
        trigger.Client()
    assert str(from_env.value).replace(variable, "secret_key") == str(from_argument.value)
    assert_not_echoed(from_env.value, SECRET[10:])
    with pytest.raises(ValueError, match=f"^{variable} contains"):
        trigger.configure()


@pytest.mark.parametrize("character", [*BAD_CHARACTERS, " "])
def test_access_token_argument_is_checked_too(character: str) -> None:
    with pytest.raises(ValueError, match=r"^access_token contains") as caught:
        trigger.Client(access_token=SECRET + character)
    assert_not_echoed(caught.value, SECRET)


def test_a_whitespace_only_key_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIGGER_SECRET_KEY", "   ")
    with pytest.raises(ValueError, match="TRIGGER_SECRET_KEY contains whitespace"):
        trigger.Client()


def test_variables_that_are_not_used_are_not_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIGGER_SECRET_KEY", "bad key\n")
    monkeypatch.setenv("TRIGGER_ACCESS_TOKEN", "bad token\n")
    monkeypatch.setenv("VERCEL_GIT_COMMIT_REF", "bad\nbranch")
    monkeypatch.setenv("TRIGGER_PREVIEW_BRANCH", "feature-x")
    client = trigger.Client(SECRET_KEY)
    assert client._config.api_key == SECRET_KEY
    assert client._config.base_headers["x-trigger-branch"] == "feature-x"


BRANCH_SOURCES = ["preview_branch", "TRIGGER_PREVIEW_BRANCH", "VERCEL_GIT_COMMIT_REF"]


def make_with_branch(monkeypatch: pytest.MonkeyPatch, source: str, branch: str) -> None:
    if source == "preview_branch":
        trigger.Client(SECRET_KEY, preview_branch=branch)
    else:
        monkeypatch.setenv(source, branch)
        trigger.Client(SECRET_KEY)


@pytest.mark.parametrize("source", [*BRANCH_SOURCES, "TRIGGER_DEV_BRANCH"])
@pytest.mark.parametrize("character", BAD_ENV_CHARACTERS)
def test_a_branch_that_cannot_be_a_header_is_refused_naming_its_source(
    monkeypatch: pytest.MonkeyPatch, source: str, character: str
) -> None:
    with pytest.raises(ValueError, match=f"^{source} must") as caught:
        make_with_branch(monkeypatch, source, f"feature{character}x")
    assert "feature" not in str(caught.value)


@pytest.mark.parametrize("character", BAD_CHARACTERS)
def test_a_branch_argument_with_any_bad_character_is_refused(character: str) -> None:
    with pytest.raises(ValueError, match=r"^preview_branch must"):
        trigger.Client(SECRET_KEY, preview_branch=f"feature{character}")
    with pytest.raises(ValueError, match=r"^preview_branch must"):
        trigger.configure(secret_key=SECRET_KEY, preview_branch=f"feature{character}")


@pytest.mark.parametrize("source", BRANCH_SOURCES)
@pytest.mark.parametrize("branch", [" feature", "feature\n", "feature "])
def test_a_branch_with_surrounding_whitespace_is_refused(
    monkeypatch: pytest.MonkeyPatch, source: str, branch: str
) -> None:
    with pytest.raises(ValueError, match=f"^{source} must not"):
        make_with_branch(monkeypatch, source, branch)


@pytest.mark.parametrize("character", BAD_CHARACTERS)
def test_default_header_values_that_cannot_be_sent_are_refused(character: str) -> None:
    value = f"Token {SECRET}{character}"
    with pytest.raises(ValueError, match=r"^default_headers\['x-proxy-auth'\] must") as caught:
        trigger.Client(SECRET_KEY, default_headers={"x-proxy-auth": value})
    assert_not_echoed(caught.value, SECRET)


@pytest.mark.parametrize("value", [" leading", "trailing ", "trailing\t"])
def test_default_header_values_with_surrounding_whitespace_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match=r"default_headers\['x-a'\] must not start or end"):
        trigger.Client(SECRET_KEY, default_headers={"x-a": value})


@pytest.mark.parametrize("name", ["x a", "x\ta", "x\x7f", "é", "x(y)", "x\n", "", "x:y", "x\x85"])
def test_invalid_default_header_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"^default_headers has an (invalid|empty) header name"):
        trigger.Client(SECRET_KEY, default_headers={name: "v"})


def test_a_pasted_header_line_as_a_name_does_not_echo_the_key() -> None:
    line = f"Authorization: Bearer {SECRET}"
    with pytest.raises(ValueError, match="'Authorization'") as caught:
        trigger.Client(SECRET_KEY, default_headers={line: "v"})
    assert_not_echoed(caught.value, SECRET)


def test_non_str_header_names_and_values_are_type_errors() -> None:
    with pytest.raises(TypeError, match="default_headers header names must be str"):
        trigger.Client(SECRET_KEY, default_headers={b"x-a": "v"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match=r"default_headers\['x-a'\] must be a str"):
        trigger.Client(SECRET_KEY, default_headers={"x-a": b"v"})  # type: ignore[dict-item]


@pytest.mark.parametrize("character", BAD_CHARACTERS)
def test_the_refused_characters_break_a_real_request(character: str) -> None:
    """What we refuse is what httpx cannot encode, or what HTTP/1.1 forbids in a field value.

    httpx refuses non-ASCII at once; h11 (as any strict server) refuses CR, LF and NUL;
    the remaining controls are forbidden by RFC 9110 (and Node's parser, the API's,
    answers 400 to them), so they are refused too rather than sent.
    """
    value = f"a{character}b"
    try:
        request = httpx.Request("GET", "http://127.0.0.1/", headers={"x-a": value})
    except UnicodeEncodeError:
        assert ord(character) > 0x7F
        return
    raw: bytes = dict(request.headers.raw)[b"x-a"]
    if character in "\r\n\0":
        with pytest.raises(h11.LocalProtocolError):
            h11.Connection(h11.CLIENT).send(
                h11.Request(method="GET", target="/", headers=[(b"host", b"x"), (b"x-a", raw)])
            )
    else:
        assert ord(character) < 0x20 or ord(character) == 0x7F


def test_accepted_header_values_reach_the_server_unchanged(fault_server: FaultServer) -> None:
    printable = "".join(chr(c) for c in range(0x21, 0x7F))
    headers = {"x-tab": "a\tb", "x-printable": printable, "x-spaces": "a  b", "x-empty": ""}
    fault_server.script(json_fault(200, {"id": "run_1"}))
    with trigger.Client(
        SECRET_KEY,
        base_url=fault_server.base_url,
        preview_branch="feature/x-1",
        default_headers=headers,
        retry=trigger.RetryOptions(max_attempts=1),
    ) as client:
        client.runs.cancel("run_1")
    (received,) = fault_server.received
    for name, value in headers.items():
        assert received.headers[name] == value.strip()
    assert received.headers["x-trigger-branch"] == "feature/x-1"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x", "must start with http:// or https://"),
        ("api.trigger.dev", "must start with http:// or https://"),
        ("http://", "has no host"),
        ("https://:443", "has no host"),
        ("http:///path", "has no host"),
        ("http://a b", "contains whitespace or control characters"),
        ("http://x\n", "contains whitespace or control characters"),
        ("http://x/\x7f", "contains whitespace or control characters"),
        (" http://x", "contains whitespace or control characters"),
        ("http://x:99999", "has a port outside 1-65535"),
        ("http://x:abc", "is not a valid URL"),
        ("http://[::1", "is not a valid URL"),
        (f"http://u:{SECRET}@x", "must not contain credentials"),
        ("http://x/?a=1", "must not have a query string or a fragment"),
        ("http://x/#f", "must not have a query string or a fragment"),
    ],
)
def test_unusable_base_urls_are_refused_naming_their_source(
    monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    with pytest.raises(ValueError, match=f"^base_url {message}") as caught:
        trigger.Client(SECRET_KEY, base_url=url)
    assert caught.value.__cause__ is None
    assert_not_echoed(caught.value, SECRET)
    monkeypatch.setenv("TRIGGER_API_URL", url)
    with pytest.raises(ValueError, match=f"^TRIGGER_API_URL {message}") as caught:
        trigger.Client(SECRET_KEY)
    assert_not_echoed(caught.value, SECRET)
    with pytest.raises(ValueError, match=r"^TRIGGER_API_URL"):
        trigger.configure(secret_key=SECRET_KEY)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:3030/", "http://127.0.0.1:3030"),
        ("https://trigger.example.com/prefix", "https://trigger.example.com/prefix"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("HTTPS://API.trigger.dev", "HTTPS://API.trigger.dev"),
    ],
)
def test_usable_base_urls_are_kept(
    monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    assert trigger.Client(SECRET_KEY, base_url=url).base_url == expected
    monkeypatch.setenv("TRIGGER_API_URL", url)
    assert trigger.Client(SECRET_KEY).base_url == expected


@pytest.mark.parametrize("name", ["Content-Length", "transfer-encoding"])
def test_body_framing_headers_are_refused(name: str) -> None:
    # httpx keeps a caller's content-length even when the body is longer, and sends a
    # transfer-encoding next to its own content-length.
    request = httpx.Request("POST", "http://127.0.0.1/", content=b"abc", headers={name: "1"})
    assert request.headers[name] == "1"
    with pytest.raises(ValueError, match=f"default_headers may not set '{name}'"):
        trigger.Client(SECRET_KEY, default_headers={name: "1"})
