"""Serving an ASGI app (the gateway, or a test's fake upstream) on a real port."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT_S = 10.0


@contextlib.asynccontextmanager
async def serving(app: ASGIApp, host: str, port: int) -> AsyncIterator[str]:
    """Run `app` with uvicorn in this event loop until the block ends; yields its base URL
    (with the port the kernel picked when `port` is 0)."""
    # No logging configuration of its own: it would silence the worker's server in this process.
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT_S
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"server on {host}:{port} stopped during start-up")
        if loop.time() > deadline:
            server.should_exit = True
            raise RuntimeError(f"server on {host}:{port} did not start in {STARTUP_TIMEOUT_S}s")
        await asyncio.sleep(0.01)
    if port == 0:
        port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task
