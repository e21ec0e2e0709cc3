"""Demo: the SDK against a small local stand-in for the Trigger.dev API on 127.0.0.1.

    .venv/bin/python scripts/demo.py

It starts an in-memory server that knows a handful of runs, then lists, pages through,
retrieves and cancels them with `trigger.Client`, and does the same with
`trigger.AsyncClient` on asyncio and on trio. Nothing leaves this machine.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio

import trigger

KEY = "tr_dev_demo0000000000000000000000"
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
RUNS: dict[str, dict[str, Any]] = {}
for number in range(1, 8):
    status = "EXECUTING" if number % 3 == 0 else "COMPLETED"
    RUNS[f"run_{number:04d}"] = {
        "id": f"run_{number:04d}",
        "status": status,
        "taskIdentifier": "send-email" if number % 2 else "resize-image",
        "isCompleted": status == "COMPLETED",
        "isSuccess": status == "COMPLETED",
        "isExecuting": status == "EXECUTING",
        "createdAt": (START + timedelta(minutes=number)).isoformat().replace("+00:00", "Z"),
        "updatedAt": (START + timedelta(minutes=number)).isoformat().replace("+00:00", "Z"),
        "tags": [],
        "env": {"id": "env_demo", "name": "dev"},
        "payload": {"n": number},
    }


class Handler(BaseHTTPRequestHandler):
    """Answers the three runs endpoints the demo uses, as the real API shapes them."""

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        if self.headers.get("authorization") == f"Bearer {KEY}":
            return True
        self._send(401, {"error": "Invalid API key"})
        return False

    def do_GET(self) -> None:
        if not self._authorized():
            return
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/api/v1/runs":
            wanted = (
                query.get("filter[status]", "").split(",") if "filter[status]" in query else None
            )
            rows = [r for r in RUNS.values() if wanted is None or r["status"] in wanted]
            rows.sort(key=lambda r: r["createdAt"], reverse=True)
            size = int(query.get("page[size]", "25"))
            start = 0
            if "page[after]" in query:
                start = next(i for i, r in enumerate(rows) if r["id"] == query["page[after]"]) + 1
            chunk = rows[start : start + size]
            pagination = {"next": chunk[-1]["id"]} if start + size < len(rows) else {}
            self._send(200, {"data": chunk, "pagination": pagination})
            return
        match = re.fullmatch(r"/api/v3/runs/([^/]+)", url.path)
        if match and match.group(1) in RUNS:
            self._send(200, RUNS[match.group(1)])
            return
        self._send(404, {"error": "Not found"})

    def do_POST(self) -> None:
        if not self._authorized():
            return
        match = re.fullmatch(r"/api/v2/runs/([^/]+)/cancel", urlsplit(self.path).path)
        if match and match.group(1) in RUNS:
            run = RUNS[match.group(1)]
            if not run["isCompleted"]:
                run.update(status="CANCELED", isCompleted=True, isCancelled=True, isExecuting=False)
            self._send(200, {"id": run["id"]})
            return
        self._send(404, {"error": "Not found"})

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the demo's output to what the SDK does."""


def sync_demo(base_url: str) -> None:
    print("== trigger.Client ==")
    with trigger.Client(KEY, base_url=base_url) as client:
        first = client.runs.list(limit=3)
        print(f"first page: {[run.id for run in first.data]}, more: {first.has_next_page()}")
        every = [run.id for run in client.runs.list(limit=3)]
        print(f"every run, across pages: {every}")
        executing = [run.id for run in client.runs.list(status="EXECUTING")]
        print(f"executing: {executing}")
        run = client.runs.retrieve(executing[0])
        print(f"retrieved {run.id}: {run.status}, payload {run.payload}, created {run.created_at}")
        print(
            f"cancelled {client.runs.cancel(run.id).id}: now {client.runs.retrieve(run.id).status}"
        )
        raw = client.runs.with_raw_response.retrieve(run.id)
        print(f"raw response: HTTP {raw.status_code}, parsed status {raw.parse().status}")
        try:
            client.runs.retrieve("run_missing")
        except trigger.NotFoundError as error:
            print(f"missing run -> {type(error).__name__}: {error}")


async def async_demo(base_url: str) -> None:
    async with trigger.AsyncClient(KEY, base_url=base_url) as client:
        ids = [run.id async for run in client.runs.list(limit=4, status="COMPLETED")]
        print(f"completed runs: {ids}")
        page = await client.runs.list(limit=2)
        following = await page.get_next_page()
        print(f"page 1 {[r.id for r in page.data]} -> page 2 {[r.id for r in following.data]}")


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"local API stand-in at {base_url}\n")
    try:
        sync_demo(base_url)
        for backend in ("asyncio", "trio"):
            print(f"\n== trigger.AsyncClient on {backend} ==")
            anyio.run(async_demo, base_url, backend=backend)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
