"""Creating the AcmeCorp demo organisation through the product's own functions.

Every record goes through the same public mutations a user would call (validation, audit rows,
counters and pipeline stages included), signed in as the demo user. Development only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from foundry.app.accounts import config as accounts_config
from foundry.app.accounts.credentials import hash_password
from foundry.app.seed import acme_data as data
from foundry.engine.auth import UserIdentity
from foundry.engine.deployment import Deployment
from foundry.engine.query import Query
from foundry.engine.transaction import Transaction

DAY_MS = 86_400_000


@dataclass(frozen=True)
class DemoSeed:
    """What the seed created, and how to sign in."""

    org_id: str
    program_id: str
    user_id: str
    email: str
    password: str


class _Caller:
    """Calls public functions as one user, raising on any error."""

    def __init__(self, deployment: Deployment, identity: UserIdentity) -> None:
        self.deployment = deployment
        self.identity = identity

    async def mutation(self, path: str, **args: Any) -> Any:
        outcome, _ = await self.deployment.run_mutation(path, args, self.identity)
        if outcome.error is not None:
            raise RuntimeError(f"seeding failed at {path}: {outcome.error.message}")
        return outcome.value

    async def query(self, path: str, **args: Any) -> Any:
        run = await self.deployment.run_query(path, args, self.identity)
        if run.outcome.error is not None:
            raise RuntimeError(f"seeding failed at {path}: {run.outcome.error.message}")
        return run.outcome.value


async def database_is_empty(deployment: Deployment) -> bool:
    """Whether no user exists yet (the condition for seeding on `foundry dev`)."""

    def no_users(tx: Transaction) -> bool:
        return Query(tx, "users").full_scan().first() is None

    return await deployment.read(no_users)


async def seed_demo(deployment: Deployment) -> DemoSeed:
    """Create the demo user, organisation, program and its delivery data."""
    login = data.DEMO_LOGIN
    password_hash = await hash_password(login["password"])
    outcome, _ = await deployment.run_mutation(
        "accounts/users:create_with_password",
        {
            "email": login["email"],
            "name": login["name"],
            "passwordHash": password_hash,
            "orgName": data.ORG_NAME,
        },
        None,
        public=False,
    )
    if outcome.error is not None:
        raise RuntimeError(f"could not create the demo user: {outcome.error.message}")
    user_id = outcome.value
    issuer = accounts_config.current().issuer
    demo = _Caller(deployment, UserIdentity.from_claims({"iss": issuer, "sub": user_id}))
    me = await demo.query("accounts/users:me")
    org_id = me["activeOrgId"] or me["orgs"][0]["_id"]
    program_id = await _program(demo, org_id)
    await demo.mutation("team:add", programId=program_id, userId=user_id, role="director")
    workstreams = await _workstreams(demo, program_id)
    requirements = await _requirements(demo, program_id, workstreams)
    await _skills(demo, program_id)
    await _risks(demo, program_id, workstreams)
    await _sprint_and_tasks(demo, program_id, workstreams, requirements)
    await _gate(demo, program_id, workstreams)
    return DemoSeed(org_id, program_id, user_id, login["email"], login["password"])


async def _program(demo: _Caller, org_id: str) -> str:
    p = data.PROGRAM
    program_id: str = await demo.mutation(
        "programs:create",
        orgId=org_id,
        name=p["name"],
        clientName=p["clientName"],
        slug=p["slug"],
        description=p["description"],
        sourcePlatform=p["sourcePlatform"],
        targetPlatform=p["targetPlatform"],
        engagementType=p["engagementType"],
        techStack=[dict(entry) for entry in p["techStack"]],
    )
    return program_id


async def _workstreams(demo: _Caller, program_id: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    for ws in data.WORKSTREAMS:
        ids[ws["shortCode"]] = await demo.mutation(
            "workstreams:create",
            programId=program_id,
            name=ws["name"],
            shortCode=ws["shortCode"],
            status=ws["status"],
            sortOrder=ws["sortOrder"],
            description=ws["description"],
            sprintCadence=ws["sprintCadence"],
            currentSprint=ws["currentSprint"],
        )
    return ids


async def _requirements(
    demo: _Caller, program_id: str, workstreams: dict[str, str]
) -> dict[str, str]:
    ids: dict[str, str] = {}
    for req in data.REQUIREMENTS:
        ids[req["refId"]] = await demo.mutation(
            "requirements:create",
            programId=program_id,
            title=req["title"],
            description=req["description"],
            batch=req["batch"],
            priority=req["priority"],
            fitGap=req["fitGap"],
            effortEstimate=req["effortEstimate"],
            workstreamId=workstreams[req["workstream"]],
        )
        # Walk the status machine the way a team would.
        path: dict[str, list[str]] = {
            "draft": [],
            "approved": ["approved"],
            "in_progress": ["approved", "in_progress"],
        }
        for status in path.get(req["status"], [req["status"]]):
            await demo.mutation(
                "requirements:set_status", requirementId=ids[req["refId"]], status=status
            )
    return ids


async def _skills(demo: _Caller, program_id: str) -> None:
    if "skills:fork_template" not in demo.deployment.registry.functions:
        return
    for template in await demo.query("skills:templates", programId=program_id):
        await demo.mutation(
            "skills:fork_template", programId=program_id, templateKey=template["key"]
        )


async def _risks(demo: _Caller, program_id: str, workstreams: dict[str, str]) -> None:
    for risk in data.RISKS:
        risk_id = await demo.mutation(
            "risks:create",
            programId=program_id,
            title=risk["title"],
            description=risk["description"],
            severity=risk["severity"],
            probability=risk["probability"],
            mitigation=risk["mitigation"],
            workstreamIds=[workstreams[code] for code in risk["workstreams"]],
        )
        if risk["status"] != "open":
            await demo.mutation("risks:set_status", riskId=risk_id, status=risk["status"])


TASK_PATHS = {
    "backlog": [],
    "todo": ["todo"],
    "in_progress": ["todo", "in_progress"],
    "review": ["todo", "in_progress", "review"],
    "done": ["todo", "in_progress", "review", "done"],
}


async def _sprint_and_tasks(
    demo: _Caller, program_id: str, workstreams: dict[str, str], requirements: dict[str, str]
) -> None:
    sprint = data.SPRINT
    start = (int(time.time() * 1000) // DAY_MS) * DAY_MS
    sprint_id = await demo.mutation(
        "sprints:create",
        programId=program_id,
        workstreamId=workstreams[sprint["workstream"]],
        name=sprint["name"],
        goal=sprint["goal"],
        capacity=sprint["capacity"],
        startDate=start,
        endDate=start + sprint["durationDays"] * DAY_MS,
    )
    if sprint["status"] != "planning":
        await demo.mutation("sprints:set_status", sprintId=sprint_id, status=sprint["status"])
    for task in data.TASKS:
        fields: dict[str, Any] = {
            "programId": program_id,
            "title": task["title"],
            "description": task["description"],
            "acceptanceCriteria": list(task["acceptanceCriteria"]),
            "storyPoints": task["storyPoints"],
            "priority": task["priority"],
            "workstreamId": workstreams[task["workstream"]],
            "requirementId": requirements[task["requirement"]],
        }
        if task["inSprint"]:
            fields["sprintId"] = sprint_id
        task_id = await demo.mutation("tasks:create", **fields)
        for status in TASK_PATHS[task["status"]]:
            await demo.mutation("tasks:set_status", taskId=task_id, status=status)


async def _gate(demo: _Caller, program_id: str, workstreams: dict[str, str]) -> None:
    gate = data.GATE
    await demo.mutation(
        "gates:create",
        programId=program_id,
        workstreamId=workstreams[gate["workstream"]],
        name=gate["name"],
        gateType=gate["gateType"],
        criteria=[dict(c) for c in gate["criteria"]],
    )
