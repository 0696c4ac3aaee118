"""The chrome every page shares: bell, command palette, theme toggle, shortcuts and presence.

`header_widgets(...)` renders the header's widgets; the bell and presence are live regions whose
`Region`s the page includes in `Tabs.open` (`bell_region`, `presence_region`), and after opening
the tab a program page announces itself with `enter_presence`.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from foundry.client import AsyncClient
from foundry.web.live import Region, Tab
from foundry.web.templating import render

THEMES = ("light", "dark")
THEME_COOKIE = "foundry_theme"
BELL = "chrome-bell"
PRESENCE = "chrome-presence"


def theme_from(cookies: dict[str, str]) -> str:
    """The theme a request's cookie asks for ("light" unless it says "dark")."""
    return "dark" if cookies.get(THEME_COOKIE) == "dark" else "light"


def bell_region(org_id: str) -> Region:
    """The bell with the caller's unread count, live (one counter document)."""
    return Region(
        BELL,
        "notifications:unread_count",
        {"orgId": org_id},
        lambda count: render("chrome/bell.html", count=int(count or 0)),
    )


def presence_region(program: dict[str, Any], page: str, user: dict[str, Any]) -> Region:
    """The other people on this page of the program, live."""
    me = user.get("_id") or user.get("id")

    def draw(people: Any) -> str:
        others = [p for p in people or [] if p.get("userId") != me]
        return render("chrome/presence.html", others=others)

    return Region(PRESENCE, "presence:on_page", {"programId": program["_id"], "page": page}, draw)


def session_id(client: AsyncClient) -> str:
    """The backend sync session of a tab's client: the id its Connect carries.

    The engine runs `presence:drop_session` with this id when the client's socket closes, so
    presence entered under it ends with the tab.
    """
    return client.session_id


async def enter_presence(tab: Tab, program: dict[str, Any], page: str) -> None:
    """Say, through the tab's own connection, that this tab shows `page` of the program."""
    args = {"programId": program["_id"], "page": page, "sessionId": session_id(tab.client)}
    await tab.client.mutation("presence:enter", args)


def header_widgets(
    csrf: str,
    theme: str,
    html: dict[str, str],
    ts: int,
    program: dict[str, Any] | None = None,
    back: str = "/",
    assets: bool = False,
) -> Markup:
    """The header's widgets: palette button, bell and presence regions, theme toggle, dialogs.

    `html` holds the first HTML of the regions the tab opened (`chrome-bell`, and
    `chrome-presence` on program pages); `back` is where the theme form returns to. `assets`
    adds chrome.css and chrome.js, for pages whose layout does not load them yet.
    """
    return render(
        "chrome/widgets.html",
        csrf=csrf,
        theme=theme,
        bell=html.get(BELL),
        presence=html.get(PRESENCE),
        ts=ts,
        program=program,
        back=back,
        assets=assets,
    )
