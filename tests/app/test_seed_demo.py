"""The demo seed goes through the product's functions and leaves a consistent program."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from foundry.app.accounts import config
from foundry.app.seed import acme_data
from foundry.app.seed.demo import database_is_empty, seed_demo
from foundry.engine.auth import UserIdentity
from tests.app.harness import Harness


async def test_seed_creates_the_acmecorp_program(app: Harness) -> None:
    assert await database_is_empty(app.deployment)
    seed = await seed_demo(app.deployment)
    assert not await database_is_empty(app.deployment)
    demo = UserIdentity.from_claims({"iss": config.current().issuer, "sub": seed.user_id})
    dep = app.deployment
    anonymous = await dep.run_query("programs:get", {"programId": seed.program_id}, None)
    assert anonymous.outcome.error is not None
    me = await dep.run_query("accounts/users:me", {}, demo)
    assert me.outcome.value["user"]["email"] == seed.email
    listed = await dep.run_query(
        "requirements:list", {"programId": seed.program_id, "numItems": 200}, demo
    )
    page = listed.outcome.value["page"]
    assert len(page) == 118
    assert sorted(r["refId"] for r in page)[0] == "REQ-001"
    statuses = [r["status"] for r in page]
    assert statuses.count("approved") == 29 and statuses.count("in_progress") == 6
    workstreams = await dep.run_query(
        "workstreams:list", {"programId": seed.program_id, "numItems": 20}, demo
    )
    assert len(workstreams.outcome.value["page"]) == 7
    overview = await dep.run_query("mission_control:overview", {"programId": seed.program_id}, demo)
    assert overview.outcome.error is None, overview.outcome.error


def test_seed_command_seeds_once(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "foundry", "seed", "demo", "--data-dir", str(tmp_path)]
    env = {**os.environ, "FOUNDRY_BACKEND_URL": "http://127.0.0.1:9"}  # no backend there
    first = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    assert first.returncode == 0, first.stderr
    assert acme_data.DEMO_LOGIN["email"] in first.stdout
    second = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    assert second.returncode == 1 and "already exists" in second.stderr
