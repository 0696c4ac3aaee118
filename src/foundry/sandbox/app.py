"""The sandbox worker's HTTP app (health only for now)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import foundry


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


def create_app() -> Starlette:
    """Build the sandbox worker's ASGI app."""
    return Starlette(routes=[Route("/health", health)])


def serve(host: str, port: int, data_dir: Path) -> None:
    """Run the sandbox worker until interrupted."""
    data_dir.mkdir(parents=True, exist_ok=True)
    uvicorn.run(create_app(), host=host, port=port, log_level="info")
