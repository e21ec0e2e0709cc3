"""Models of triggering tasks and of payload packets."""

from __future__ import annotations

from trigger._models import Model

__all__ = ["PacketDownloadUrl", "PacketUploadUrl", "TriggerResult"]


class TriggerResult(Model, kw_only=True):
    """The run a trigger started (or, for a repeated idempotency key, found)."""

    id: str
    """The run (``run_…``)."""
    is_cached: bool = False
    """The run already existed for this idempotency key; no new run was started."""
    public_access_token: str | None = None
    """A token to read this run from a browser (``x-trigger-jwt``; valid for one hour)."""


class PacketUploadUrl(Model, kw_only=True):
    """Where to upload a payload packet, and how a trigger refers to it afterwards."""

    presigned_url: str
    """A short-lived URL that accepts one ``PUT`` of the packet (no other credentials)."""
    storage_path: str | None = None
    """The packet's path in object storage: the ``payload`` of an ``application/store``
    trigger."""


class PacketDownloadUrl(Model, kw_only=True):
    """Where to download a stored payload or output packet."""

    presigned_url: str
    """A short-lived URL to ``GET`` the packet from (no other credentials)."""
