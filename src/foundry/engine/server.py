"""The backend's ASGI application: health, the sync socket, the HTTP API and HTTP actions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

import foundry
from foundry.engine import knobs
from foundry.engine.auth import AuthError, TokenVerifier, UserIdentity
from foundry.engine.deployment import Deployment
from foundry.engine.files import UrlSigner, download_route
from foundry.engine.http_api import function_endpoint, http_action_endpoint
from foundry.engine.sync.worker import SyncWorker

Verify = Callable[[str], Awaitable[UserIdentity]]


def verifier_function(verifier: TokenVerifier | None) -> Verify:
    """`verify(token)`; without configured issuers every token is refused."""

    async def verify(token: str) -> UserIdentity:
        if verifier is None:
            raise AuthError(
                "UnknownIssuer", "this deployment accepts no tokens (no issuer is configured)"
            )
        return await verifier.verify(token)

    return verify


def build_app(
    deployment: Deployment,
    *,
    verifier: TokenVerifier | None = None,
    allowed_origins: Sequence[str] = (),
    url_signer: UrlSigner | None = None,
    on_started: Callable[[Deployment], Awaitable[None]] | None = None,
    service: str = "foundry-backend",
    start: Callable[[Deployment], Awaitable[None]] | None = None,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The backend app for `deployment`; its lifespan starts and stops the deployment.

    `start` replaces the default start-up (becoming the committer) — replication uses it.
    """
    verify = verifier_function(verifier)
    rerun_slots = asyncio.Semaphore(knobs.SUBSCRIPTION_RERUN_CONCURRENCY)
    origins = set(allowed_origins)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "service": service, "version": foundry.__version__})

    async def sync(websocket: WebSocket) -> None:
        origin = websocket.headers.get("origin")
        if origin is not None and origins and origin not in origins:
            await websocket.close(1008, "origin not allowed")
            return
        await websocket.accept()
        await SyncWorker(deployment, websocket, verify, rerun_slots).run()

    routes: list[BaseRoute] = [
        Route("/health", health),
        WebSocketRoute("/api/sync", sync),
        Route("/api/query", function_endpoint(deployment, verify, "query"), methods=["POST"]),
        Route("/api/mutation", function_endpoint(deployment, verify, "mutation"), methods=["POST"]),
        Route("/api/action", function_endpoint(deployment, verify, "action"), methods=["POST"]),
    ]
    routes.extend(extra_routes)
    url_signer = url_signer or deployment.url_signer
    if deployment.files is not None and url_signer is not None:
        routes.append(download_route(deployment.files, url_signer, _now_ms))
    for route in deployment.registry.routes:
        path = route.path.rstrip("/") + "/{rest:path}" if route.prefix else route.path
        routes.append(
            Route(path, http_action_endpoint(deployment, verify, route), methods=[route.method])
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if start is not None:
            await start(deployment)
        else:
            await deployment.start()
        if on_started is not None:
            await on_started(deployment)
        try:
            yield
        finally:
            await deployment.stop()
            if verifier is not None:
                await verifier.aclose()

    return Starlette(routes=routes, lifespan=lifespan)


def _now_ms() -> int:
    import time

    return time.time_ns() // 1_000_000
