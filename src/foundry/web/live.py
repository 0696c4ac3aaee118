"""Live regions: every datum on a page comes from a backend subscription and stays current.

A page is a set of regions; each region is one live query plus the function that renders its
value to HTML. Rendering a page opens a *tab*: one sync connection to the backend (with the
user's token) subscribed to the page's queries. The page renders once every region has its first
value, all read at one commit timestamp. Afterwards each change of a region's query is rendered
and pushed to the browser over the tab's event stream as `(region, ts, html)`; the browser morphs
it in unless it already shows something newer. The tab keeps no HTML, only its subscriptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from foundry.client import AsyncClient
from foundry.client.errors import FunctionError

log = logging.getLogger("foundry.web.live")

TAB_IDLE_S = 30.0
"""How long a tab lives without a connected event stream (a reload or a lost connection)."""

FIRST_RESULT_TIMEOUT_S = 15.0
"""How long rendering a page waits for all of its regions' first values."""


@dataclass(frozen=True)
class Region:
    """A piece of a page: `render(value)` of the live query `path(args)`."""

    name: str
    path: str
    args: dict[str, Any]
    render: Callable[[Any], str]
    render_error: Callable[[FunctionError], str] | None = None


@dataclass(frozen=True)
class Update:
    """A region's new HTML, valid at commit timestamp `ts`."""

    region: str
    ts: int
    html: str


class Tab:
    """One browser tab's subscriptions and the updates waiting to be streamed to it."""

    def __init__(self, tab_id: str, client: AsyncClient) -> None:
        self.id = tab_id
        self.client = client
        self.regions: dict[str, Region] = {}
        self.updates: asyncio.Queue[Update] = asyncio.Queue()
        self.streams = 0
        self.last_seen = time.monotonic()
        self._unsubscribe: list[Callable[[], None]] = []

    @property
    def ts(self) -> int:
        """The commit timestamp of the newest state this tab has seen."""
        return self.client.max_observed_ts or 0

    async def open(self, regions: list[Region]) -> dict[str, str]:
        """Subscribe to every region and render them all from one timestamp."""
        first: dict[str, asyncio.Future[None]] = {}
        loop = asyncio.get_running_loop()
        for region in regions:
            self.regions[region.name] = region
            first[region.name] = loop.create_future()
            self._unsubscribe.append(
                self.client.on_update(
                    region.path,
                    region.args,
                    self._on_value(region, first[region.name]),
                    self._on_error(region, first[region.name]),
                )
            )
        async with asyncio.timeout(FIRST_RESULT_TIMEOUT_S):
            await asyncio.gather(*first.values())
        # Read every region now, with no await in between: they all reflect one transition.
        return {region.name: self._render_current(region) for region in regions}

    def _render_current(self, region: Region) -> str:
        try:
            return region.render(self.client.local_result(region.path, region.args))
        except FunctionError as error:
            return render_failure(region, error)

    def render_now(self, name: str) -> str:
        """Region `name`'s HTML as this tab sees it now (after its own mutation, say)."""
        return self._render_current(self.regions[name])

    def _on_value(self, region: Region, first: asyncio.Future[None]) -> Callable[[Any], None]:
        def deliver(value: Any) -> None:
            if not first.done():
                first.set_result(None)
                return
            self._push(region, lambda: region.render(value))

        return deliver

    def _on_error(
        self, region: Region, first: asyncio.Future[None]
    ) -> Callable[[FunctionError], None]:
        def deliver(error: FunctionError) -> None:
            if not first.done():
                first.set_result(None)
                return
            self._push(region, lambda: render_failure(region, error))

        return deliver

    def _push(self, region: Region, render: Callable[[], str]) -> None:
        try:
            html = render()
        except Exception:
            log.exception("rendering region %s failed", region.name)
            return
        self.updates.put_nowait(Update(region.name, self.ts, html))

    async def close(self) -> None:
        """Drop the subscriptions and the backend connection."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        await self.client.close()


def render_failure(region: Region, error: FunctionError) -> str:
    """A region whose query failed: its own error view, or a short notice."""
    if region.render_error is not None:
        return region.render_error(error)
    from markupsafe import escape

    return f'<p class="region-error" role="alert">{escape(error.message)}</p>'


TokenProvider = Callable[[], Awaitable[str]]


class Tabs:
    """Every open tab of this web process."""

    def __init__(self, backend_url: str) -> None:
        self.backend_url = backend_url
        self._tabs: dict[str, Tab] = {}
        self._reaper: asyncio.Task[None] | None = None

    async def open(self, token: TokenProvider, regions: list[Region]) -> tuple[Tab, dict[str, str]]:
        """A new tab subscribed to `regions`, and their first HTML."""
        self._start_reaper()
        client = AsyncClient(self.backend_url, token=token)
        tab = Tab(secrets.token_urlsafe(16), client)
        self._tabs[tab.id] = tab
        try:
            html = await tab.open(regions)
        except BaseException:
            self._tabs.pop(tab.id, None)
            await tab.close()
            raise
        return tab, html

    def get(self, tab_id: str) -> Tab | None:
        """The tab with this id, if it is still open."""
        tab = self._tabs.get(tab_id)
        if tab is not None:
            tab.last_seen = time.monotonic()
        return tab

    def _start_reaper(self) -> None:
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.create_task(self._reap())

    async def _reap(self) -> None:
        while self._tabs:
            await asyncio.sleep(TAB_IDLE_S / 3)
            now = time.monotonic()
            for tab in list(self._tabs.values()):
                if tab.streams == 0 and now - tab.last_seen > TAB_IDLE_S:
                    self._tabs.pop(tab.id, None)
                    await tab.close()

    async def close(self) -> None:
        """Close every tab (at shutdown)."""
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        for tab in list(self._tabs.values()):
            await tab.close()
        self._tabs.clear()
