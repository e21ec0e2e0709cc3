"""Exceptions of the two-phase batch trigger (`batch.trigger`, `batch.stream_items`)."""

from __future__ import annotations

from typing import Literal

from trigger._exceptions import APIError, RateLimitError, TriggerError

__all__ = ["BatchNotSealedError", "BatchPhase", "BatchTriggerError"]

BatchPhase = Literal["offload", "create", "stream"]
"""The step of `batch.trigger` that failed."""


class BatchNotSealedError(TriggerError):
    """The item stream ended, on every attempt, without the server sealing the batch.

    The server had not received every expected item. Streaming the same items again is safe
    (the server deduplicates them by index).

    Attributes:
        batch_id: The batch that stayed open.
        enqueued_count: Items the server had enqueued, if it said.
        expected_count: Items the batch expects, if the server said.
        items_accepted: Items enqueued by the last attempt.
        items_deduplicated: Items the last attempt sent again (already enqueued).
    """

    def __init__(
        self,
        *,
        batch_id: str,
        enqueued_count: int | None,
        expected_count: int | None,
        items_accepted: int,
        items_deduplicated: int,
    ) -> None:
        enqueued = "?" if enqueued_count is None else enqueued_count
        expected = "?" if expected_count is None else expected_count
        super().__init__(
            f"batch {batch_id} was not sealed: the server holds {enqueued} of {expected} "
            f"expected items (the last attempt had {items_accepted} accepted, "
            f"{items_deduplicated} deduplicated)"
        )
        self.batch_id = batch_id
        self.enqueued_count = enqueued_count
        self.expected_count = expected_count
        self.items_accepted = items_accepted
        self.items_deduplicated = items_deduplicated


class BatchTriggerError(TriggerError):
    """A step of `batch.trigger` failed; the original exception is ``__cause__``.

    Attributes:
        phase: ``"offload"`` (uploading large payloads), ``"create"`` (phase 1) or
            ``"stream"`` (phase 2, the items).
        batch_id: The batch, when it was created before the failure.
        item_count: How many items the call had.
    """

    def __init__(
        self,
        message: str,
        *,
        phase: BatchPhase,
        item_count: int,
        batch_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.phase: BatchPhase = phase
        self.batch_id = batch_id
        self.item_count = item_count

    @property
    def api_error(self) -> APIError | None:
        """The API error behind this one, if the cause was one."""
        cause = self.__cause__
        return cause if isinstance(cause, APIError) else None

    @property
    def is_rate_limited(self) -> bool:
        """Whether the cause was a 429 answer."""
        return isinstance(self.__cause__, RateLimitError)

    @classmethod
    def wrap(
        cls,
        cause: BaseException,
        *,
        phase: BatchPhase,
        item_count: int,
        batch_id: str | None = None,
    ) -> BatchTriggerError:
        """Build the error for a failed step, its message ending with the cause's.

        Args:
            cause: What failed (set as ``__cause__`` by the caller's ``raise ... from``).
            phase: The step that failed.
            item_count: How many items the call had.
            batch_id: The batch, once created.
        """
        if phase == "offload":
            what = f"failed to offload payloads for a batch of {item_count} items"
        elif phase == "create":
            what = f"failed to create a batch of {item_count} items"
        else:
            what = f"failed to stream the {item_count} items of batch {batch_id}"
        detail = str(cause) or type(cause).__name__
        return cls(f"{what}: {detail}", phase=phase, item_count=item_count, batch_id=batch_id)
