"""Driving the product's backend in tests: a started deployment and signed-in actors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from foundry.engine.auth import UserIdentity
from foundry.engine.deployment import Deployment
from foundry.engine.errors import EngineError
from foundry.engine.transaction import Transaction

ISSUER = "https://tests.foundry.local"


@dataclass
class Actor:
    """A user calling the backend's public functions with their own identity."""

    deployment: Deployment
    identity: UserIdentity | None
    user_id: str | None = None

    async def query(self, path: str, **args: Any) -> Any:
        run = await self.deployment.run_query(path, args, self.identity)
        if run.outcome.error is not None:
            raise run.outcome.error
        return run.outcome.value

    async def mutation(self, path: str, **args: Any) -> Any:
        outcome, _ = await self.deployment.run_mutation(path, args, self.identity)
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    async def action(self, path: str, **args: Any) -> Any:
        outcome = await self.deployment.run_action(path, args, self.identity)
        if outcome.error is not None:
            raise outcome.error
        return outcome.value


def identity_for(subject: str, org_id: str | None = None) -> UserIdentity:
    """The identity a token for `subject` would carry."""
    claims: dict[str, Any] = {"iss": ISSUER, "sub": subject, "exp": 2**40}
    if org_id is not None:
        claims["org_id"] = org_id
    return UserIdentity.from_claims(claims)


class Harness:
    """Creates users and organisations directly, for tests of the domain functions."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment

    def anonymous(self) -> Actor:
        """A caller with no identity."""
        return Actor(self.deployment, None)

    async def user(self, name: str) -> Actor:
        """A new user (no organisation yet)."""

        def insert(tx: Transaction) -> str:
            return tx.insert(
                "users",
                {
                    "email": f"{name}@example.test",
                    "name": name.title(),
                    "tokenIdentifier": f"{ISSUER}|{name}",
                },
            )

        user_id = await self.deployment.transact(insert, "tests:user")
        return Actor(self.deployment, identity_for(name), user_id)

    async def org(self, name: str, members: dict[str, tuple[Actor, str]]) -> str:
        """A new organisation with the given members: {label: (actor, role)}."""

        def insert(tx: Transaction) -> str:
            slug = name.lower().replace(" ", "-")
            org_id = tx.insert("organizations", {"name": name, "slug": slug})
            for actor, role in members.values():
                tx.insert("memberships", {"orgId": org_id, "userId": actor.user_id, "role": role})
            return org_id

        org_id: str = await self.deployment.transact(insert, "tests:org")
        return org_id


def error_code(error: EngineError) -> str:
    """The stable code of an engine error."""
    return error.code
