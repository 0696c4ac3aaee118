"""Serving a deployment on a real port for tests and benchmarks.

async with serve_for_testing(deployment, verifier=verifier) as url:
    ...  # url is "http://127.0.0.1:<port>"; /api/sync is a real WebSocket
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Sequence
from types import ModuleType
from typing import Any

import uvicorn

from foundry.engine import knobs
from foundry.engine.auth import TokenVerifier
from foundry.engine.deployment import Deployment
from foundry.engine.files import FileStore
from foundry.engine.functions import Registry
from foundry.engine.schema import Schema
from foundry.engine.server import build_app
from foundry.engine.storage.base import Storage


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def deployment_for_testing(
    storage: Storage, schema: Schema, modules: dict[str, ModuleType], files: FileStore | None = None
) -> Deployment:
    """A deployment serving `modules` (name → module) over `storage`."""
    registry = Registry()
    for name, module in modules.items():
        registry.add_module(name, module)
    return Deployment(storage, schema, registry, files=files)


@contextlib.asynccontextmanager
async def serve_for_testing(
    deployment: Deployment,
    *,
    verifier: TokenVerifier | None = None,
    port: int | None = None,
    allowed_origins: Sequence[str] = (),
    **app_options: Any,
) -> AsyncIterator[str]:
    """Run the backend app with uvicorn in this event loop until the block ends."""
    port = port or free_port()
    app = build_app(deployment, verifier=verifier, allowed_origins=allowed_origins, **app_options)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws_max_size=knobs.SYNC_MAX_FRAME_BYTES,
        ws_ping_interval=None,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("test server stopped during start-up")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
