"""`client.packets`: presigned URLs of payload packets, and offloading large payloads."""

from __future__ import annotations

import dataclasses
import uuid
from typing import TYPE_CHECKING, Any

import httpx

from trigger._models import Model, decoder
from trigger._response import async_raw_response_wrapper
from trigger._retry import RetryOptions
from trigger._types import RequestOptions
from trigger._validation import check_str, path_segment
from trigger._wire.payloads import (
    OFFLOAD_THRESHOLD,
    STORE_TYPE,
    EncodedPayload,
    decode_download,
)
from trigger.types.tasks import PacketDownloadUrl, PacketUploadUrl

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = ["AsyncPackets", "AsyncPacketsWithRawResponse"]

UPLOAD_RETRY = RetryOptions(max_attempts=5, factor=2.0, min_timeout=0.5, max_timeout=5.0)
"""How the upload to a presigned URL is retried: 5 attempts, 0.5 s to 5 s, randomized."""

_EXTENSIONS = {"application/json": "json", "application/super+json": "json", "text/plain": "txt"}


def packet_filename(task_identifier: str, payload_type: str | None) -> str:
    """A fresh packet filename under the task's prefix, its extension from the data type.

    A random part keeps concurrent triggers of one task from overwriting each other's packet.
    """
    extension = _EXTENSIONS.get(payload_type or "application/json", "txt")
    return f"{task_identifier}/payload-{uuid.uuid4().hex}.{extension}"


class _OffloadUpload(Model, kw_only=True):
    """The upload URL answer, with the storage path an offload cannot do without."""

    presigned_url: str
    storage_path: str


class AsyncPackets:
    """Payload packets: ``client.packets``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncPacketsWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    async def create_upload_url(
        self, filename: str, *, request_options: RequestOptions | None = None
    ) -> PacketUploadUrl:
        """Get a presigned URL to upload a packet to.

        Args:
            filename: The packet's name, e.g. ``"my-task/payload-1.json"``.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The upload URL and the storage path to put in an ``application/store`` trigger.
        """
        path = f"/api/v2/packets/{path_segment('filename', filename)}"
        return await self._client._request(
            "PUT", path, parse=decoder(PacketUploadUrl).decode, options=request_options
        )

    async def retrieve_download_url(
        self, filename: str, *, request_options: RequestOptions | None = None
    ) -> PacketDownloadUrl:
        """Get a presigned URL to download a stored packet (an offloaded payload or output).

        Args:
            filename: The packet's storage path.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The download URL.
        """
        path = f"/api/v1/packets/{path_segment('filename', filename)}"
        return await self._client._request(
            "GET", path, parse=decoder(PacketDownloadUrl).decode, options=request_options
        )

    async def offload(
        self,
        task_identifier: str,
        encoded: EncodedPayload,
        *,
        request_options: RequestOptions | None = None,
    ) -> EncodedPayload:
        """Upload a large payload to object storage and return the reference to trigger with.

        Payloads under `OFFLOAD_THRESHOLD` bytes (and payloads already offloaded) are
        returned unchanged. Otherwise an upload URL is requested, the serialized payload is
        ``PUT`` there (with no SDK headers: the URL carries its own authorization; retried
        up to 5 times), and the storage path is returned as an ``application/store``
        payload whose ``size`` is still the original serialized size.

        Args:
            task_identifier: The task the payload is for (the packet's name prefix).
            encoded: The payload, from ``encode_payload``.
            request_options: Per-call overrides for both requests (retry, timeout; extra
                headers go to the API request only).

        Returns:
            The payload to put in the trigger body.

        Raises:
            APIConnectionError: The upload never got a response.
            APIStatusError: The storage answered the upload with an error status.
            APIResponseValidationError: The API answered without a storage path.
        """
        check_str("task_identifier", task_identifier)
        if not isinstance(encoded, EncodedPayload):
            raise TypeError(f"encoded must be an EncodedPayload, not {type(encoded).__name__}")
        if encoded.payload_type == STORE_TYPE or encoded.size < OFFLOAD_THRESHOLD:
            return encoded
        filename = packet_filename(task_identifier, encoded.payload_type)
        path = f"/api/v2/packets/{path_segment('filename', filename)}"
        upload = await self._client._request(
            "PUT",
            path,
            parse=decoder(_OffloadUpload).decode,
            options=request_options,
            step=True,  # the raw response of a trigger is the trigger's own
        )
        await self._upload(upload.presigned_url, encoded, request_options)
        return dataclasses.replace(encoded, value=upload.storage_path, payload_type=STORE_TYPE)

    async def _upload(
        self, url: str, encoded: EncodedPayload, options: RequestOptions | None
    ) -> None:
        """PUT the packet to a presigned URL, retrying transient failures."""
        await self._client._request(
            "PUT",
            url,
            parse=_ignore_body,
            content=encoded.data,
            content_type=encoded.payload_type or "application/json",
            options=options,
            retry=UPLOAD_RETRY,
            external=True,
        )

    async def download(self, url: str, *, request_options: RequestOptions | None = None) -> bytes:
        """Download a packet (an offloaded payload or output) from its presigned URL.

        Args:
            url: The presigned URL (e.g. `Run.payload_presigned_url`).
            request_options: Per-call retry and timeout overrides.

        Returns:
            The packet's bytes.
        """
        _check_url(url)
        return await self._client._request(
            "GET", url, parse=bytes, options=request_options, retry=UPLOAD_RETRY, external=True
        )

    async def download_value(
        self, url: str, *, request_options: RequestOptions | None = None
    ) -> Any:
        """Download a packet and decode it by the content type the storage answers with.

        The value has the shape the API gives the same packet inline (`decode_download`):
        JSON for ``application/json``, the superjson document's ``json`` value (dates as
        ISO strings) for ``application/super+json``, text otherwise. `runs.retrieve` uses
        it for offloaded payloads and outputs, so a field has one shape whatever its size.

        Args:
            url: The presigned URL (e.g. `Run.output_presigned_url`).
            request_options: Per-call retry and timeout overrides.

        Returns:
            The decoded value (``None`` for an empty packet).
        """
        _check_url(url)
        return await self._client._request(
            "GET",
            url,
            parse_response=_decoded,
            options=request_options,
            retry=UPLOAD_RETRY,
            external=True,
        )


def _check_url(url: str) -> None:
    check_str("url", url)
    if not url.startswith(("https://", "http://")):
        raise ValueError("url must be an http(s) URL")


def _decoded(response: httpx.Response) -> Any:
    return decode_download(response.content, response.headers.get("content-type"))


def _ignore_body(content: bytes) -> None:
    return None


class AsyncPacketsWithRawResponse:
    """`AsyncPackets` methods that return the `APIResponse` instead of the parsed data."""

    def __init__(self, packets: AsyncPackets) -> None:
        self.create_upload_url = async_raw_response_wrapper(packets.create_upload_url)
        self.retrieve_download_url = async_raw_response_wrapper(packets.retrieve_download_url)
