"""Serve the test app from a separate process: `python -m tests.engine.serve_main DB_URL PORT`."""

from __future__ import annotations

import sys

import uvicorn

from foundry.engine.server import build_app
from foundry.engine.storage import open_storage
from foundry.engine.testing import deployment_for_testing
from tests.engine.fixtures import messages


def main() -> None:
    url, port = sys.argv[1], int(sys.argv[2])
    deployment = deployment_for_testing(open_storage(url), messages.schema, {"messages": messages})
    uvicorn.run(build_app(deployment), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
