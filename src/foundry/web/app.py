"""The web process: server-rendered pages whose regions stay live through backend subscriptions."""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import foundry
from foundry.client.errors import FunctionError
from foundry.config import Settings
from foundry.web import live_forms, pages
from foundry.web.backend import BackendAuth
from foundry.web.context import CsrfFailed, SignInRequired, TabExpired
from foundry.web.live import Tabs
from foundry.web.noscript import NoScriptForms
from foundry.web.sessions import SessionStore
from foundry.web.ui.shell import page

HERE = Path(__file__).parent
ASSETS = HERE / "assets" / "node_modules"


async def health(request: Request) -> JSONResponse:
    """Answer liveness probes."""
    return JSONResponse({"status": "ok", "service": "foundry-web", "version": foundry.__version__})


class SecurityHeaders:
    """Adds the headers every page needs, and refuses cross-site posts by their Origin."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        host = headers.get(b"host", b"")
        if scope["method"] == "POST" and origin is not None and origin.split(b"://", 1)[-1] != host:
            await HTMLResponse("cross-site post refused", status_code=403)(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _sign_in(request: Request, exc: Exception) -> Response:
    # A page asked for by address comes back after signing in; posts start over.
    if request.method != "GET" or request.url.path == "/":
        return RedirectResponse("/login", status_code=303)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)


async def _csrf(request: Request, exc: Exception) -> Response:
    return HTMLResponse("The form expired; reload the page and try again.", status_code=403)


async def _tab_expired(request: Request, exc: Exception) -> Response:
    return live_forms.form_answer(live_forms.EXPIRED, 409)


async def _not_found(request: Request, exc: Exception) -> Response:
    message = exc.message if isinstance(exc, FunctionError) else "Not found."
    return HTMLResponse(page("Not found", f"<p>{message}</p>"), status_code=404)


def page_routes() -> list[BaseRoute]:
    """The ROUTES of every module in `foundry.web.pages`."""
    routes: list[BaseRoute] = []
    for info in sorted(pkgutil.iter_modules(pages.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{pages.__name__}.{info.name}")
        routes.extend(getattr(module, "ROUTES", []))
    return routes


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the web process's ASGI app."""
    settings = settings or Settings.from_env(Path(".foundry"))
    secret = settings.instance_secret or secrets.token_urlsafe(32)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        auth = BackendAuth(settings.backend_url)
        app.state.backend_url = settings.backend_url
        app.state.sessions = SessionStore(secret, auth)
        app.state.tabs = Tabs(settings.backend_url)
        app.state.http = httpx.AsyncClient(timeout=30.0)
        try:
            yield
        finally:
            await app.state.tabs.close()
            await app.state.http.aclose()
            await auth.aclose()

    app = Starlette(
        routes=[
            Route("/health", health),
            *page_routes(),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
            Mount("/assets", StaticFiles(directory=ASSETS, check_dir=False), name="assets"),
        ],
        exception_handlers={
            SignInRequired: _sign_in,
            CsrfFailed: _csrf,
            TabExpired: _tab_expired,
            FunctionError: _not_found,
        },
        lifespan=lifespan,
    )
    app.add_middleware(NoScriptForms)
    app.add_middleware(SecurityHeaders)
    return app


def serve(host: str, port: int, data_dir: Path) -> None:
    """Run the web process until interrupted."""
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env(data_dir)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
