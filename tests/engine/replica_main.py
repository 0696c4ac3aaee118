"""One backend replica of the messages fixture app, for test_replication.py.

    python -m tests.engine.replica_main --database postgresql://… --port 4001 --replica-id r1

The cluster secret comes from FOUNDRY_INSTANCE_SECRET, as in production.
"""

from __future__ import annotations

import argparse
import functools
import logging
import os

import uvicorn

from foundry.engine import knobs
from foundry.engine.replication import internal_commit_route, start_replica
from foundry.engine.server import build_app
from foundry.engine.storage.postgres import PostgresStorage
from foundry.engine.testing import deployment_for_testing
from tests.engine.fixtures import messages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--replica-id", required=True)
    args = parser.parse_args()
    log_format = f"%(asctime)s {args.replica_id} %(name)s: %(message)s"
    logging.basicConfig(level=logging.WARNING, format=log_format)
    secret = os.environ["FOUNDRY_INSTANCE_SECRET"]
    deployment = deployment_for_testing(
        PostgresStorage(args.database), messages.schema, {"messages": messages}
    )
    start = functools.partial(
        start_replica,
        replica_id=args.replica_id,
        advertise_url=f"http://127.0.0.1:{args.port}",
        secret=secret,
    )
    app = build_app(
        deployment, start=start, extra_routes=[internal_commit_route(deployment, secret)]
    )
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        ws_max_size=knobs.SYNC_MAX_FRAME_BYTES,
        ws_ping_interval=None,
    )


if __name__ == "__main__":
    main()
