"""Pages of list results for the async client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Generic, TypeVar

from trigger._paging import AsyncPageFetcher, CursorPagination, OffsetPagination, PageSpec

__all__ = ["AsyncCursorPage", "AsyncOffsetPage", "AsyncPage"]

T = TypeVar("T")


class AsyncPage(Generic[T]):
    """One page of a list call.

    Iterating the page (``async for``) walks every item of this page and of every page after
    it, fetching them one at a time; `data` holds only this page's items.
    """

    pagination: CursorPagination | OffsetPagination

    def __init__(
        self,
        fetch: AsyncPageFetcher[T],
        spec: PageSpec[T],
        data: list[T],
        pagination: CursorPagination | OffsetPagination,
    ) -> None:
        self._fetch = fetch
        self._spec = spec
        self.data = data
        """The items of this page."""
        self.pagination = pagination

    def has_next_page(self) -> bool:
        """Whether a page follows this one."""
        return self._spec.neighbour(self.pagination, forward=True) is not None

    def has_previous_page(self) -> bool:
        """Whether a page precedes this one."""
        return self._spec.neighbour(self.pagination, forward=False) is not None

    async def get_next_page(self) -> AsyncPage[T]:
        """Fetch the following page, with the same filters and page size.

        Raises:
            LookupError: This is the last page (no request is sent).
        """
        spec = self._spec.neighbour(self.pagination, forward=True)
        if spec is None:
            raise LookupError("there is no next page; check has_next_page() first")
        return await self._fetch(spec)

    async def get_previous_page(self) -> AsyncPage[T]:
        """Fetch the preceding page, with the same filters and page size.

        Raises:
            LookupError: This is the first page (no request is sent).
        """
        spec = self._spec.neighbour(self.pagination, forward=False)
        if spec is None:
            raise LookupError("there is no previous page; check has_previous_page() first")
        return await self._fetch(spec)

    def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        """Yield this page and then each following page."""
        return _walk_pages(self)

    def __aiter__(self) -> AsyncIterator[T]:
        return _walk_items(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._spec.path} items={len(self.data)}>"


class AsyncCursorPage(AsyncPage[T]):
    """A page addressed by cursors (runs, bulk actions, errors, waitpoint tokens, sessions)."""

    pagination: CursorPagination


class AsyncOffsetPage(AsyncPage[T]):
    """A page addressed by number (schedules, queues)."""

    pagination: OffsetPagination


# Module-level generators rather than methods: a method's frame would keep ``self`` (the
# first page) alive for the whole walk; here the one variable moves on from page to page.


async def _walk_pages(page: AsyncPage[T]) -> AsyncIterator[AsyncPage[T]]:
    while True:
        yield page
        if not page.has_next_page():
            return
        page = await page.get_next_page()


async def _walk_items(page: AsyncPage[T]) -> AsyncIterator[T]:
    while True:
        for item in page.data:
            yield item
        if not page.has_next_page():
            return
        page = await page.get_next_page()
