"""Serve the benchmark app in its own process: `python -m foundry.bench.server_main DB_URL PORT`."""

from __future__ import annotations

import sys

import uvicorn

from foundry.bench import app
from foundry.engine import knobs
from foundry.engine.server import build_app
from foundry.engine.storage import open_storage
from foundry.engine.testing import deployment_for_testing


def main() -> None:
    """Serve until killed."""
    url, port = sys.argv[1], int(sys.argv[2])
    deployment = deployment_for_testing(open_storage(url), app.schema, {"bench": app})
    uvicorn.run(
        build_app(deployment),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws_max_size=knobs.SYNC_MAX_FRAME_BYTES,
        ws_ping_interval=None,
        backlog=4096,
    )


if __name__ == "__main__":
    main()
