"""Pages of list results for the async client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Generic, TypeVar

from trigger._pagination_errors import PaginationError
from trigger._paging import AsyncPageFetcher, CursorPagination, OffsetPagination, PageSpec

__all__ = ["AsyncCursorPage", "AsyncOffsetPage", "AsyncPage"]

T = TypeVar("T")

# How many items a page's repr shows, and how much of each.
_REPR_ITEMS = 3
_REPR_ITEM_WIDTH = 72


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
        self.data = spec.items_in_order(data)
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
            PaginationError: The server's pagination does not move on: this page's ``next``
                cursor is the one that fetched it, or its ``currentPage`` did not advance
                (no request is sent).
        """
        return await self._fetch(self._neighbour(forward=True))

    async def get_previous_page(self) -> AsyncPage[T]:
        """Fetch the preceding page, with the same filters and page size.

        Raises:
            LookupError: This is the first page (no request is sent).
            PaginationError: The server's pagination does not move back (no request is sent).
        """
        return await self._fetch(self._neighbour(forward=False))

    def _neighbour(self, *, forward: bool) -> PageSpec[T]:
        """The spec of the following (or preceding) page, refusing one that goes nowhere."""
        spec = self._spec.neighbour(self.pagination, forward=forward)
        if spec is None:
            which = "next" if forward else "previous"
            raise LookupError(f"there is no {which} page; check has_{which}_page() first")
        here, there = _position(self._spec, forward), _position(spec, forward)
        if isinstance(self.pagination, OffsetPagination):
            # Offset pages must move strictly towards the end (or the start) they go to.
            asked = int(here) if here is not None else 1
            target = int(there) if there is not None else 1
            if (target <= asked) if forward else (target >= asked):
                raise PaginationError(
                    f"the server answered page={asked} of {self._spec.path} with "
                    f"currentPage={self.pagination.current_page}: its pages do not advance, "
                    "so following them would never end",
                    path=self._spec.path,
                    position=str(target),
                )
        elif there is not None and there == here:
            raise PaginationError(
                f"the server answered the cursor {there!r} of {self._spec.path} with the same "
                f"cursor as its {'next' if forward else 'previous'} one: following it would "
                "fetch this page again, forever",
                path=self._spec.path,
                position=there,
            )
        return spec

    def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        """Yield this page and then each following page."""
        return _walk_pages(self)

    def __aiter__(self) -> AsyncIterator[T]:
        return _walk_items(self)

    def __repr__(self) -> str:
        item_type = getattr(self._spec.item_type, "__name__", repr(self._spec.item_type))
        head = (
            f"<{type(self).__name__} of {len(self.data)} {item_type}, "
            f"has_next_page={self.has_next_page()}"
        )
        if not self.data:
            return head + ">"
        shown = [_shorten(repr(item)) for item in self.data[:_REPR_ITEMS]]
        if len(self.data) > _REPR_ITEMS:
            shown.append(f"... {len(self.data) - _REPR_ITEMS} more")
        return f"{head}: [{', '.join(shown)}]>"


class AsyncCursorPage(AsyncPage[T]):
    """A page addressed by cursors (runs, bulk actions, errors, waitpoint tokens, sessions)."""

    pagination: CursorPagination


class AsyncOffsetPage(AsyncPage[T]):
    """A page addressed by number (schedules, queues)."""

    pagination: OffsetPagination


def _position(spec: PageSpec[T], forward: bool) -> str | None:
    """The cursor (or page number) that addressed a page, in the direction of travel."""
    if spec.style == "offset":
        return spec.query.get("page")
    return spec.query.get("page[after]" if forward else "page[before]")


def _shorten(text: str) -> str:
    return text if len(text) <= _REPR_ITEM_WIDTH else text[: _REPR_ITEM_WIDTH - 4] + "...)"


# Module-level generators rather than methods: a method's frame would keep ``self`` (the
# first page) alive for the whole walk; here the one variable moves on from page to page.
# Each walk remembers the cursors it followed, so that a server which sends an earlier
# cursor again (a cycle longer than one page) ends the walk with an error, not a loop.


async def _following(page: AsyncPage[T], followed: set[str]) -> AsyncPage[T]:
    spec = page._neighbour(forward=True)
    position = _position(spec, forward=True)
    if position is not None:
        if position in followed:
            raise PaginationError(
                f"the server sent the cursor {position!r} of {spec.path} a second time in "
                "one walk: following it would fetch the same pages again, forever",
                path=spec.path,
                position=position,
            )
        followed.add(position)
    return await page._fetch(spec)


def _start(page: AsyncPage[T]) -> set[str]:
    position = _position(page._spec, forward=True)
    return set() if position is None else {position}


async def _walk_pages(page: AsyncPage[T]) -> AsyncIterator[AsyncPage[T]]:
    followed = _start(page)
    while True:
        yield page
        if not page.has_next_page():
            return
        page = await _following(page, followed)


async def _walk_items(page: AsyncPage[T]) -> AsyncIterator[T]:
    followed = _start(page)
    while True:
        for item in page.data:
            yield item
        if not page.has_next_page():
            return
        page = await _following(page, followed)
