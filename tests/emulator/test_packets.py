"""Packets: presigned URLs that point at the emulator's own storage, and offloaded payloads.

Large payloads go through the SDK's offload (upload URL, PUT, ``application/store``) and come
back from ``runs.retrieve`` through ``payloadPresignedUrl``; large outputs likewise.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import trigger
from trigger.emulator import Emulator, ManualClock

BIG = "x" * (200 * 1024)


def _headers(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}", "x-trigger-api-version": "2025-07-16"}


@pytest.fixture
def http(trigger_emulator: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=trigger_emulator.url, headers=_headers(trigger_emulator.secret_key)
    ) as client:
        yield client


def test_a_200_kib_payload_is_offloaded_and_comes_back(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    seen: dict[str, Any] = {}

    @trigger_emulator.task("big")
    def big(payload: dict[str, str]) -> int:
        seen["payload"] = payload
        return len(payload["data"])

    handle = trigger_client.tasks.trigger("big", {"data": BIG})
    run = trigger_client.runs.poll(handle.id, interval=0.1, timeout=10)
    assert seen["payload"] == {"data": BIG}  # the handler got the payload, not a path
    assert run.payload == {"data": BIG}
    assert run.output == len(BIG)
    assert run.payload_presigned_url and run.payload_presigned_url.startswith(trigger_emulator.url)
    uploads = trigger_emulator.requests(path="/api/v2/packets/big/", method="PUT")
    assert len(uploads) == 1
    trigger_body = trigger_emulator.requests(path="/api/v1/tasks/big/trigger")[0]["body"]
    assert trigger_body["options"]["payloadType"] == "application/store"

    raw = http.get(f"/api/v3/runs/{handle.id}").json()
    assert "payload" not in raw
    keys = list(raw)
    assert keys.index("payloadPresignedUrl") == keys.index("region") + 1
    download = httpx.get(raw["payloadPresignedUrl"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/json"
    assert download.json() == {"data": BIG}


@pytest.mark.anyio
async def test_async_client_offloads_and_downloads_payload_and_output(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    @trigger_emulator.task("echo-big")
    async def echo_big(payload: dict[str, str]) -> dict[str, str]:
        return {"back": payload["data"]}

    client = trigger_async_client
    handle = await client.tasks.trigger("echo-big", {"data": BIG})
    run = await client.runs.poll(handle.id, interval=0.1, timeout=10)
    assert run.payload == {"data": BIG}
    assert run.output == {"back": BIG}  # 200 KiB: offloaded by the emulated worker
    assert run.output_presigned_url is not None
    kept = await client.runs.retrieve(handle.id, download_offloaded=False)
    assert (kept.payload, kept.output) == (None, None)


def test_large_batch_items_are_offloaded_too(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    result = trigger_client.batch.trigger(
        [{"task": "big-item", "payload": {"data": BIG}}, {"task": "big-item", "payload": 1}]
    )
    deadline = time.monotonic() + 10
    batch = trigger_client.batch.retrieve(result.id)
    while batch.status != "COMPLETED":
        assert time.monotonic() < deadline
        batch = trigger_client.batch.retrieve(result.id)
    payloads = [trigger_client.runs.retrieve(run_id).payload for run_id in batch.runs]
    assert payloads == [{"data": BIG}, 1]


def test_the_server_offloads_an_inline_payload_of_512_kib(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    seen: list[Any] = []
    trigger_emulator.register("inline", lambda payload: seen.append(len(payload["d"])))
    payload = {"d": "y" * 600_000}
    run_id = http.post("/api/v1/tasks/inline/trigger", json={"payload": payload}).json()["id"]
    trigger_emulator.wait_for_run(run_id)
    raw = http.get(f"/api/v3/runs/{run_id}").json()
    assert "payload" not in raw
    assert f"/dev/{run_id}/payload.json?" in raw["payloadPresignedUrl"]
    assert httpx.get(raw["payloadPresignedUrl"]).json() == payload
    assert seen == [600_000]
    small = http.post("/api/v1/tasks/inline/trigger", json={"payload": {"d": "z"}}).json()["id"]
    assert http.get(f"/api/v3/runs/{small}").json()["payload"] == {"d": "z"}


def test_upload_and_download_urls(trigger_emulator: Emulator, http: httpx.Client) -> None:
    upload = http.put("/api/v2/packets/my-task/payload-1.json")
    assert upload.status_code == 200
    body = upload.json()
    assert set(body) == {"presignedUrl", "storagePath"}
    assert body["storagePath"] == "my-task/payload-1.json"
    assert (
        f"/_emulator/storage/packets/{trigger_emulator.project_ref}/dev/my-task/"
        in (body["presignedUrl"])
    )
    stored = httpx.put(
        body["presignedUrl"], content=b"hello", headers={"content-type": "text/plain"}
    )
    assert stored.status_code == 200
    v1_upload = http.put("/api/v1/packets/my-task/payload-1.json").json()
    assert set(v1_upload) == {"presignedUrl"}
    download = http.get("/api/v1/packets/my-task/payload-1.json").json()
    assert set(download) == {"presignedUrl"}
    fetched = httpx.get(download["presignedUrl"])
    assert (fetched.status_code, fetched.content) == (200, b"hello")
    assert fetched.headers["content-type"].startswith("text/plain")
    # An upload URL does not download, and a changed URL is refused.
    assert httpx.get(body["presignedUrl"]).status_code == 403
    tampered = download["presignedUrl"].replace("payload-1", "payload-2")
    assert httpx.get(tampered).status_code == 403
    missing = http.get("/api/v1/packets/my-task/none.json").json()["presignedUrl"]
    assert httpx.get(missing).status_code == 404
    spaced = http.put("/api/v2/packets/a%20b/c%2Fd.json").json()
    assert spaced["storagePath"] == "a b/c/d.json"
    redirect = http.get("/api/v1/packets/")
    assert (redirect.status_code, redirect.headers["location"]) == (301, "/api/v1/packets")


def test_presigned_urls_expire_after_five_minutes() -> None:
    clock = ManualClock()
    with (
        Emulator(clock=clock) as emulator,
        httpx.Client(base_url=emulator.url, headers=_headers(emulator.secret_key)) as http,
    ):
        url = http.put("/api/v2/packets/t/p.json").json()["presignedUrl"]
        clock.advance(299)
        assert httpx.put(url, content=b"{}").status_code == 200
        clock.advance(2)
        refused = httpx.put(url, content=b"{}")
        assert refused.status_code == 403
        assert "Request has expired" in refused.text


def test_packet_route_refusals(trigger_emulator: Emulator, http: httpx.Client) -> None:
    response = http.put("/api/v2/packets/x.json", headers={"authorization": ""})
    assert (response.status_code, response.json()) == (401, {"error": "Invalid or Missing API key"})
    no_header = httpx.put(f"{trigger_emulator.url}/api/v2/packets/x.json")
    assert (no_header.status_code, no_header.json()) == (
        401,
        {"error": "Invalid or Missing API key"},
    )
    bad = httpx.get(f"{trigger_emulator.url}/api/v1/packets/x.json", headers=_headers("bad"))
    assert (bad.status_code, bad.json()) == (401, {"error": "Invalid API key"})
    post = http.post("/api/v2/packets/x.json")
    assert (post.status_code, post.json()) == (200, {"status": 405, "body": "Method Not Allowed"})
    get = http.get("/api/v2/packets/x.json")
    assert (get.status_code, get.json()) == (400, {"message": "Unexpected Server Error"})


def test_stored_packets_survive_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    with Emulator(db=db) as emulator, emulator.client() as client:
        run_id = client.tasks.trigger("keep", {"data": BIG}, delay="1h").id
        key = emulator.secret_key
    with Emulator(db=db) as emulator, emulator.client(secret_key=key) as client:
        assert client.runs.retrieve(run_id).payload == {"data": BIG}


def test_the_server_offloads_from_exactly_512_kib(http: httpx.Client) -> None:
    # ``{"d":"…"}`` is the text plus 8 bytes: the threshold is 524,288 bytes, inclusive.
    at = http.post("/api/v1/tasks/t/trigger", json={"payload": {"d": "y" * 524_280}}).json()
    below = http.post("/api/v1/tasks/t/trigger", json={"payload": {"d": "y" * 524_279}}).json()
    assert "payloadPresignedUrl" in http.get(f"/api/v3/runs/{at['id']}").json()
    assert "payload" in http.get(f"/api/v3/runs/{below['id']}").json()


def _echo_big(trigger_emulator: Emulator, seen: list[Any]) -> None:
    @trigger_emulator.task("echo-big-output")
    def echo(payload: dict[str, str]) -> dict[str, Any]:
        seen.append(len(payload["data"]))
        return {"back": payload["data"], "at": "2026-03-01T00:00:00.000Z"}


def test_end_to_end_with_the_sync_client(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    seen: list[Any] = []
    _echo_big(trigger_emulator, seen)
    handle = trigger_client.tasks.trigger("echo-big-output", {"data": BIG})
    run = trigger_client.runs.poll(handle.id, interval=0.1, timeout=10)
    # The SDK uploaded the payload through the emulator's presigned URL; the handler got it.
    upload = trigger_emulator.requests(path="/api/v2/packets/", method="PUT")
    assert len(upload) == 1
    assert seen == [len(BIG)]
    # The large output went to storage and came back through the presigned download.
    assert run.output == {"back": BIG, "at": "2026-03-01T00:00:00.000Z"}
    assert run.output_presigned_url is not None
    raw = http.get(f"/api/v3/runs/{handle.id}").json()
    assert "output" not in raw
    stored = httpx.get(raw["outputPresignedUrl"])
    # Stored as the official worker stores it (measured): its superjson document.
    assert stored.headers["content-type"] == "application/super+json"
    assert stored.json() == {"json": {"back": BIG, "at": "2026-03-01T00:00:00.000Z"}}
    small = trigger_client.tasks.trigger("echo-big-output", {"data": "tiny"})
    small_run = trigger_client.runs.poll(small.id, interval=0.1, timeout=10)
    assert small_run.output_presigned_url is None
    assert small_run.output == {"back": "tiny", "at": "2026-03-01T00:00:00.000Z"}


@pytest.mark.anyio
async def test_end_to_end_with_the_async_client(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    seen: list[Any] = []
    _echo_big(trigger_emulator, seen)
    handle = await trigger_async_client.tasks.trigger("echo-big-output", {"data": BIG})
    run = await trigger_async_client.runs.poll(handle.id, interval=0.1, timeout=10)
    assert seen == [len(BIG)]
    assert run.payload == {"data": BIG}
    assert run.output == {"back": BIG, "at": "2026-03-01T00:00:00.000Z"}
    downloaded = await trigger_async_client.packets.download_value(run.output_presigned_url or "")
    assert downloaded == run.output


def test_run_packet_urls(trigger_emulator: Emulator, http: httpx.Client) -> None:
    seen: list[Any] = []
    _echo_big(trigger_emulator, seen)
    run_id = http.post(
        "/api/v1/tasks/echo-big-output/trigger", json={"payload": {"data": "z" * 600_000}}
    ).json()["id"]
    trigger_emulator.wait_for_run(run_id)
    for field, key in (("payload", "data"), ("output", "back")):
        answer = http.get(f"/api/v1/runs/{run_id}/packets/{field}")
        assert answer.status_code == 200
        assert set(answer.json()) == {"presignedUrl"}
        document = httpx.get(answer.json()["presignedUrl"]).json()
        value = document["json"] if field == "output" else document
        assert len(value[key]) == 600_000
    inline = http.post("/api/v1/tasks/t/trigger", json={"payload": {"n": 1}}).json()["id"]
    kept = http.get(f"/api/v1/runs/{inline}/packets/payload")
    assert (kept.status_code, kept.json()) == (404, {"error": "Not found"})
    unknown = http.get("/api/v1/runs/run_nope/packets/payload")
    assert unknown.status_code == 404
    bad_field = http.get(f"/api/v1/runs/{run_id}/packets/metadata")
    assert (bad_field.status_code, bad_field.json()["error"]) == (400, "Params Error")
    token = http.post("/api/v1/auth/public-tokens", json={"scopes": [f"read:runs:{inline}"]})
    other = {"authorization": f"Bearer {token.json()['token']}"}
    assert http.get(f"/api/v1/runs/{run_id}/packets/payload", headers=other).status_code == 403
