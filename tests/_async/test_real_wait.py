"""Against a real server: waitpoint tokens (create, list, retrieve, complete, callback URL).

Opt-in (docs/guides/real-server.md). Tokens cannot be deleted: each test completes the tokens it
made, and tags them uniquely so lists only see its own.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import trigger
from tests.real_server import NO_RETRY, settings, skip_unless_configured, unique
from trigger import _retry

skip_unless_configured()
pytestmark = pytest.mark.anyio


async def tagged(client: trigger.AsyncClient, tag: str, **filters: Any) -> list[str]:
    """The ids of the tokens carrying ``tag`` (and matching ``filters``), newest first."""
    return [token.id async for token in client.wait.list_tokens(tags=tag, **filters)]


async def test_token_lifecycle(real: trigger.AsyncClient) -> None:
    tag = unique("token")
    token = await real.wait.create_token(timeout="1h", tags=[tag, "pytest"])
    assert token.id.startswith("waitpoint_")
    assert token.is_cached is False
    assert "/callback/" in token.url
    assert token.public_access_token

    waiting = await real.wait.retrieve_token(token)
    assert waiting.status == "WAITING"
    assert sorted(waiting.tags) == sorted([tag, "pytest"])
    assert waiting.timeout_at is not None
    assert await tagged(real, tag) == [token.id]
    assert await tagged(real, tag, status="WAITING") == [token.id]

    done = await real.wait.complete_token(token.id, {"approved": True, "by": "pytest"})
    assert done.success is True
    completed = await real.wait.retrieve_token(token.id)
    assert completed.status == "COMPLETED"
    assert completed.completed_at is not None
    assert completed.decode_output() == {"approved": True, "by": "pytest"}
    assert await tagged(real, tag, status="COMPLETED") == [token.id]
    assert await tagged(real, tag, status="WAITING") == []
    # Completing twice changes nothing.
    assert (await real.wait.complete_token(token, {"again": 1})).success is True
    assert (await real.wait.retrieve_token(token)).decode_output() == {
        "approved": True,
        "by": "pytest",
    }


async def test_token_idempotency_key(real: trigger.AsyncClient) -> None:
    key = unique("token-key")
    first = await real.wait.create_token(idempotency_key=key, idempotency_key_ttl="1h")
    try:
        again = await real.wait.create_token(idempotency_key=key)
        assert again.id == first.id
        assert again.is_cached is True
        by_key = [token.id async for token in real.wait.list_tokens(idempotency_key=key)]
        assert by_key == [first.id]
    finally:
        await real.wait.complete_token(first)


async def test_token_completed_with_its_public_access_token(real: trigger.AsyncClient) -> None:
    token = await real.wait.create_token(timeout="1h")
    assert token.public_access_token
    browser = real.with_options(secret_key=token.public_access_token)
    assert (await browser.wait.complete_token(token.id, "from a browser")).success is True
    completed = await real.wait.retrieve_token(token.id)
    assert completed.status == "COMPLETED"
    assert completed.decode_output() == "from a browser"


async def test_token_completed_through_its_callback_url(real: trigger.AsyncClient) -> None:
    token = await real.wait.create_token(timeout="1h")
    try:
        done = await real.wait.complete_token_via_callback(token, {"via": "callback"})
        assert done.success is True
        completed = await real.wait.retrieve_token(token.id)
        assert completed.status == "COMPLETED"
        assert completed.decode_output() == {"via": "callback"}
    finally:
        await real.wait.complete_token(token)


async def test_callback_with_a_wrong_hash_is_refused(real: trigger.AsyncClient) -> None:
    token = await real.wait.create_token(timeout="1h")
    try:
        # The server's URL may name another host than the client's origin (e.g. localhost
        # for 127.0.0.1): keep its path, on the client's origin.
        path = token.url[token.url.index("/api/") :]
        forged = settings().api_url + path[: path.rindex("/") + 1] + "0" * 64
        with pytest.raises(trigger.AuthenticationError) as caught:
            await real.wait.complete_token_via_callback(forged, {}, request_options=NO_RETRY)
        assert caught.value.message == "Invalid URL, hash doesn't match"
    finally:
        await real.wait.complete_token(token)


async def test_token_times_out(real: trigger.AsyncClient) -> None:
    token = await real.wait.create_token(timeout="1s")
    deadline = time.monotonic() + settings().run_timeout
    while (current := await real.wait.retrieve_token(token)).status == "WAITING":
        assert time.monotonic() < deadline, "the token did not time out"
        await _retry.async_sleep(0.5)
    assert current.status == "TIMED_OUT"
    assert current.output_is_error is True


async def test_token_errors(real: trigger.AsyncClient) -> None:
    with pytest.raises(trigger.NotFoundError) as complete:
        await real.wait.complete_token("waitpoint_doesnotexist0000000", request_options=NO_RETRY)
    assert complete.value.message == "Waitpoint not found"
    # The real server fails to map its own "not found" on this route: a 500.
    with pytest.raises(trigger.APIStatusError) as retrieve:
        await real.wait.retrieve_token("waitpoint_doesnotexist0000000", request_options=NO_RETRY)
    assert retrieve.value.status in (404, 500)
    stranger = real.with_options(secret_key="tr_dev_unknownkeyunknownkey00")
    with pytest.raises(trigger.AuthenticationError):
        await stranger.wait.create_token(request_options=NO_RETRY)
