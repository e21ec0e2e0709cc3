"""Optional HTTP transports for `AsyncClient`.

The default transport (httpx's own, on httpcore) works under asyncio and trio. Under asyncio,
aiohttp's transport moves more requests per second; pass the client this module builds as
``trigger.AsyncClient(http_client=...)``. Trio keeps the default transport (aiohttp is
asyncio-only).
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["aiohttp_http_client"]


def aiohttp_http_client(**httpx_kwargs: Any) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` that sends its requests through aiohttp (asyncio only).

    Needs the ``aiohttp`` extra (``pip install "trigger-sdk[aiohttp]"``, which installs
    ``httpx-aiohttp``). You own the returned client: close it with ``await client.aclose()``
    (or ``async with``) when done, as `AsyncClient` does not close an ``http_client`` it was
    given.

    Example::

        from trigger._transports import aiohttp_http_client

        http = aiohttp_http_client()
        async with http, trigger.AsyncClient(http_client=http) as client:
            run = await client.runs.retrieve("run_1234")

    Args:
        **httpx_kwargs: Passed to the `httpx.AsyncClient` constructor (``limits``,
            ``timeout``, ``verify``, ``proxy``, ``headers``...). Passing ``transport``
            bypasses aiohttp.

    Raises:
        ImportError: ``httpx-aiohttp`` is not installed.
    """
    try:
        from httpx_aiohttp import HttpxAiohttpClient
    except ImportError as exc:
        raise ImportError(
            "aiohttp_http_client() needs the aiohttp extra: pip install 'trigger-sdk[aiohttp]'"
        ) from exc
    client: httpx.AsyncClient = HttpxAiohttpClient(**httpx_kwargs)
    return client
