"""Start the backend process: the engine serving the product's functions."""

from __future__ import annotations

from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import foundry


async def _health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "service": "foundry-backend", "version": foundry.__version__})


def serve(host: str, port: int, data_dir: Path) -> None:
    """Run the backend until interrupted (placeholder until the engine server lands)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    uvicorn.run(Starlette(routes=[Route("/health", _health)]), host=host, port=port, log_level="info")
