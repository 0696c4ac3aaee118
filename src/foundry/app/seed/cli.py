"""`foundry seed demo`: load the demo organisation into the database while the backend is down."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx

from foundry.config import Settings


def _backend_running(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def seed_command(data_dir: Path) -> int:
    """Seed the database named by the settings; refuse while a backend is serving it."""
    from foundry.app.seed.demo import seed_demo
    from foundry.app.server import build_backend

    settings = Settings.from_env(data_dir)
    if _backend_running(settings.backend_url):
        print(
            f"foundry seed: a backend is running at {settings.backend_url}; stop it first "
            "(only one process may commit to the database),"
            " or let `foundry dev` seed an empty one.",
            file=sys.stderr,
        )
        return 2
    data_dir.mkdir(parents=True, exist_ok=True)
    deployment, _ = build_backend(settings)

    async def run() -> int:
        await deployment.start()
        try:
            me = await deployment.read(_has_demo_org)
            if me:
                print(
                    "foundry seed: the AcmeCorp demo organisation already exists", file=sys.stderr
                )
                return 1
            seed = await seed_demo(deployment)
        finally:
            await deployment.stop()
        print(f"Demo data created. Sign in as {seed.email} with password {seed.password}")
        return 0

    return asyncio.run(run())


def _has_demo_org(tx: object) -> bool:
    from foundry.app.seed import acme_data
    from foundry.engine.query import Query
    from foundry.engine.transaction import Transaction

    assert isinstance(tx, Transaction)
    slug = acme_data.ORG_NAME.lower()
    return (
        Query(tx, "organizations").with_index("by_slug", lambda q: q.eq("slug", slug)).first()
        is not None
    )
