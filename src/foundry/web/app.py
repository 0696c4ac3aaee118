"""The web process's HTTP app (health only for now)."""

from __future__ import annotations

from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import foundry


async def health(request: Request) -> JSONResponse:
    """Answer liveness probes."""
    return JSONResponse({"status": "ok", "service": "foundry-web", "version": foundry.__version__})


def create_app() -> Starlette:
    """Build the web process's ASGI app."""
    return Starlette(routes=[Route("/health", health)])


def serve(host: str, port: int, data_dir: Path) -> None:
    """Run the web process until interrupted."""
    data_dir.mkdir(parents=True, exist_ok=True)
    uvicorn.run(create_app(), host=host, port=port, log_level="info")
