"""The log masking filter on its own: what it rewrites, what it keeps, how it is installed."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import trigger
from tests.conftest import SECRET_KEY
from trigger import _logging
from trigger._logging import LOGGERS, MaskingFilter, mask_text

API = "https://trigger.example.com/prefix"


@pytest.fixture(autouse=True)
def api_registered() -> None:
    _logging.register_api_base(API)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        # httpx's INFO line for a presigned URL on the storage's origin.
        ("PUT https://bucket.s3.example.com/a/b.json?X-Amz-Signature=SIG1 200", "SIG1"),
        # The same storage behind any signing scheme: the whole query goes.
        ("GET https://cdn.example.com/x?auth=OPAQUE1&e=5", "OPAQUE1"),
        # A signature parameter on the API's own origin (or a bare path, as hpack logs it).
        (f"GET {API}/api/v1/x?page=1&X-Amz-Signature=SIG2", "SIG2"),
        ("[(b':path', b'/bucket/x?X-Amz-Credential=CRED1&X-Amz-Date=1')]", "CRED1"),
        # The waitpoint callback hash, in a URL and in a bare path.
        (f"POST {API}/api/v1/waitpoints/tokens/w_1/callback/HASH1", "HASH1"),
        ("POST /api/v1/waitpoints/tokens/w_1/callback/HASH2 (attempt 1)", "HASH2"),
        # httpcore's response header list and a redirect to a presigned URL.
        ("[(b'x-trigger-jwt', b'eyJ.JWT1.sig'), (b'a', b'b')]", "JWT1"),
        ("[(b'Set-Cookie', b\"sid=COOKIE1; it's\")]", "COOKIE1"),
        ("[(b'location', b'https://s3.example.com/x?X-Amz-Signature=SIG3')]", "SIG3"),
        # hpack's request header list, and h11's error text inside httpcore's trace line.
        ("[('authorization', 'Bearer tr_dev_KEY1')]", "KEY1"),
        ("failed exception=LocalProtocolError(\"Illegal header value b'Bearer PAT1 '\")", "PAT1"),
        ("key tr_prod_sk_KEY2 in text", "KEY2"),
    ],
)
def test_credentials_are_masked(text: str, secret: str) -> None:
    masked = mask_text(text)
    assert secret not in masked
    assert "***" in masked
    assert mask_text(masked) == masked


@pytest.mark.parametrize(
    "text",
    [
        f"GET {API}/api/v1/runs?filter%5Bstatus%5D=COMPLETED&page%5Bsize%5D=10 200",
        "connect_tcp.started host='127.0.0.1' port=443 local_address=None timeout=10.0",
        "receive_response_headers.complete return_value=(b'HTTP/1.1', 200, b'OK', [])",
        "GET https://storage.example.com/public/file.json 200",
        "plain text without anything to mask",
    ],
)
def test_useful_parts_are_kept(text: str) -> None:
    assert mask_text(text) == text


def test_the_filter_rewrites_args_and_keeps_their_types() -> None:
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        'HTTP Request: %s %s "%s %d %s"',
        ("PUT", "https://s3.example.com/x?X-Amz-Signature=SIG", "HTTP/1.1", 200, "OK"),
        None,
    )
    assert MaskingFilter().filter(record) is True
    assert record.getMessage() == 'HTTP Request: PUT https://s3.example.com/x?*** "HTTP/1.1 200 OK"'
    mapping = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "%(url)s %(n)d", ({"url": "/callback/H", "n": 3},), None
    )
    MaskingFilter().filter(mapping)
    assert mapping.getMessage() == "/callback/*** 3"


def test_building_a_client_installs_the_filter_once_on_every_logger() -> None:
    trigger.Client(SECRET_KEY)
    trigger.AsyncClient(SECRET_KEY, base_url="http://127.0.0.1:1")
    _logging.install()
    for name in LOGGERS:
        filters = logging.getLogger(name).filters
        assert len([f for f in filters if isinstance(f, MaskingFilter)]) == 1, name


def test_a_clients_base_url_keeps_its_query_strings() -> None:
    url = "http://127.0.0.1:4567/api/v1/runs?cursor=abc"
    assert mask_text(url) == "http://127.0.0.1:4567/api/v1/runs?***"
    trigger.Client(SECRET_KEY, base_url="http://127.0.0.1:4567")
    assert mask_text(url) == url
    assert mask_text("http://127.0.0.1:4568/api/v1/runs?cursor=abc").endswith("?***")


def _every_model() -> list[type[Any]]:
    import trigger.types
    from trigger._models import Model

    seen: dict[str, type[Any]] = {}
    for name in trigger.types.__all__:
        value = getattr(trigger.types, name)
        if isinstance(value, type) and issubclass(value, Model):
            seen[name] = value
    return list(seen.values())


@pytest.mark.parametrize("model", _every_model(), ids=lambda model: model.__name__)
def test_no_model_repr_shows_a_token_or_presigned_url(model: type[Any]) -> None:
    # Every field holds a distinct marker; the fields carrying credentials must not show.
    import msgspec

    fields = msgspec.structs.fields(model)
    values = {field.name: f"marker-{field.name}-value" for field in fields}
    instance = model(**values)
    shown = repr(instance)
    assert shown.startswith(f"{model.__name__}(")
    for name in values:
        if ("token" in name and name not in {"id", "idempotency_key"}) or "presigned" in name:
            assert values[name] not in shown, f"{model.__name__}.{name} shows in repr()"
