"""The sandbox worker's HTTP app: the reference's API over the session manager."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

import foundry
from foundry.config import Settings
from foundry.sandbox import api, knobs
from foundry.sandbox.auth import BearerAuth
from foundry.sandbox.gateway import Gateway
from foundry.sandbox.logstream import logs
from foundry.sandbox.manager import Manager
from foundry.sandbox.model_access import running_gateway
from foundry.sandbox.runtimes import backend as runtime_backend
from foundry.sandbox.runtimes.base import RuntimeBackend, RuntimePolicy
from foundry.sandbox.terminal import terminal


async def health(request: Request) -> JSONResponse:
    """Answer liveness probes in the reference sandbox worker's flat shape (no auth)."""
    timestamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return JSONResponse(
        {
            "status": "ok",
            "service": "sandbox-worker",
            "timestamp": timestamp,
            "version": foundry.__version__,
        }
    )


def default_policy() -> RuntimePolicy:
    """The runtime policy from the knobs: host root read-only, the egress allowlist, limits."""
    allow = tuple(d.strip() for d in knobs.EGRESS_ALLOW.split(",") if d.strip())
    return RuntimePolicy(egress_allow=allow)


def create_app(
    data_dir: Path | None = None,
    *,
    secret: str | None = None,
    backend: RuntimeBackend | None = None,
    policy: RuntimePolicy | None = None,
    gateway: Gateway | None = None,
) -> Starlette:
    """Build the sandbox worker's ASGI app (without `data_dir`, only /health answers).

    The worker serves `gateway` (default: the host's provider keys from its environment) on a
    loopback port for its sandboxes' model calls."""
    routes = [
        Route("/health", health),
        Route("/sandboxes", api.fleet),
        Route("/sandbox/create", api.create, methods=["POST"]),
        Route("/sandbox/{id}", api.status),
        Route("/sandbox/{id}", api.delete, methods=["DELETE"]),
        Route("/sandbox/{id}/execute", api.execute, methods=["POST"]),
        Route("/sandbox/{id}/logs", logs),
        Route("/sandbox/{id}/fs/list", api.fs_list),
        Route("/sandbox/{id}/fs/read", api.fs_read),
        Route("/sandbox/{id}/fs/write", api.fs_write, methods=["POST"]),
        Route("/sandbox/{id}/message", api.message, methods=["POST"]),
        Route("/sandbox/{id}/stop", api.stop, methods=["POST"]),
        Route("/sandbox/{id}/sleep", api.sleep, methods=["POST"]),
        Route("/sandbox/{id}/wake", api.wake, methods=["POST"]),
        Route("/sandbox/{id}/diff", api.diff),
        WebSocketRoute("/sandbox/{id}/terminal", terminal),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if data_dir is None:
            yield
            return
        chosen = backend or runtime_backend(knobs.RUNTIME)
        async with running_gateway(gateway) as access:
            manager = Manager(
                data_dir, chosen, policy or default_policy(), secret=secret, model_access=access
            )
            await manager.recover()
            app.state.manager = manager
            try:
                yield
            finally:
                await manager.close()

    app = Starlette(routes=routes if data_dir is not None else routes[:1], lifespan=lifespan)
    app.state.secret = secret
    app.add_middleware(BearerAuth, secret=secret)
    return app


def serve(host: str, port: int, data_dir: Path) -> None:
    """Run the sandbox worker until interrupted."""
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env(data_dir)
    secret = settings.sandbox_api_secret or os.environ.get("SANDBOX_API_SECRET")
    app = create_app(data_dir, secret=secret)
    uvicorn.run(app, host=host, port=port, log_level="info")
