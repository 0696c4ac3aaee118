"""Forms without JavaScript: a live form's JSON answer becomes something a browser can show.

live.js posts forms with an `X-Live-Form` header and applies the JSON answer in place. A plain
browser post (scripts off or not yet loaded) gets the same handler; this middleware turns its
answer into a redirect back to the page (which then shows the change), the redirect the answer
names, or, when the post was refused, a page holding the re-rendered form with its error and the
user's input, so the user can correct it and post again.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import orjson
from markupsafe import Markup, escape
from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foundry.web.ui.shell import page

FORM_TAG = re.compile(r"\s*<form[\s>]", re.I)
ACTION = re.compile(r"""(<form[^>]*\saction=["'][^"'?]*)(["'])""", re.I)


class NoScriptForms:
    """Translates live-form answers for posts that did not come from live.js."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else None
        if headers is None or scope["method"] != "POST" or "x-live-form" in headers:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        assert start is not None
        body = b"".join(chunks)
        answer = _live_answer(start, body)
        if answer is None:
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        back = _back(headers, scope.get("query_string", b"").decode("latin-1"))
        response = _for_the_browser(answer, int(start["status"]), back, str(scope["path"]))
        await response(scope, receive, send)


def _live_answer(start: Message, body: bytes) -> dict[str, Any] | None:
    """The JSON answer of a live form, or None for any other response."""
    types = [v for k, v in start.get("headers", []) if k.lower() == b"content-type"]
    if not types or not types[0].startswith(b"application/json"):
        return None
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return answer if isinstance(answer, dict) and "ok" in answer else None


def _for_the_browser(answer: dict[str, Any], status: int, back: str, action: str) -> Response:
    if answer.get("redirect"):
        return RedirectResponse(_local(str(answer["redirect"])), status_code=303)
    if answer.get("ok"):
        return RedirectResponse(back, status_code=303)
    shown = str(answer.get("form") or "")
    if shown and not FORM_TAG.match(shown):  # a form's inside: put it in its form
        shown = (
            f"<form method='post' action='{escape(action)}' enctype='multipart/form-data'"
            f" data-live-form>{shown}</form>"
        )
    # Posting the form again from this page must still come back to the original page.
    shown = ACTION.sub(lambda m: f"{m.group(1)}?{urlencode({'back': back})}{m.group(2)}", shown, 1)
    shown = shown or f"<p role='alert'>{escape(answer.get('error') or '')}</p>"
    link = f"<p><a href='{escape(back)}'>Back to the page</a></p>"
    content = Markup(f"<div class='card'>{shown}</div>{link}")
    return HTMLResponse(page("Please check and try again", content), status_code=status)


def _local(url: str) -> str:
    """`url` as a path on this site (anything else becomes the home page)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or url.startswith("//"):
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _back(headers: Headers, query: str) -> str:
    """The page the form was first posted from: the `back` this middleware put on a form it
    showed again, else the referring page when it is on this site, else the home page."""
    asked = parse_qs(query).get("back")
    if asked:
        return _local(asked[0])
    referer = urlsplit(headers.get("referer", ""))
    if referer.netloc and referer.netloc != headers.get("host"):
        return "/"
    return _local(referer.path + (f"?{referer.query}" if referer.query else ""))
