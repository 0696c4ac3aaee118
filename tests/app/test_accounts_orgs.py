"""Organisations, members and invitations: roles, the last-admin rule, links, live access."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from foundry.app.accounts.credentials import sha256_hex
from foundry.client import AsyncClient, FunctionError
from foundry.engine.errors import (
    AppError,
    ArgumentError,
    AuthRequired,
    ForbiddenError,
    NotFoundError,
)
from foundry.engine.transaction import Transaction
from tests.app.harness import Actor, Harness
from tests.app.test_accounts_support import backend_for_testing


async def audit_actions(actor: Actor, org: str, entity_type: str, entity_id: str) -> list[str]:
    trail = await actor.query(
        "audit:list_for_entity",
        orgId=org,
        entityType=entity_type,
        entityId=entity_id,
        numItems=20,
    )
    return [row["action"] for row in trail["page"]]


async def test_create_rename_list_and_audit(app: Harness) -> None:
    alice = await app.user("alice")
    org = await alice.mutation("accounts/orgs:create", name="  Acme  ")
    await alice.mutation("accounts/orgs:rename", orgId=org, name="Acme Ltd")
    assert await alice.query("accounts/orgs:list_mine") == [
        {"_id": org, "name": "Acme Ltd", "slug": "acme", "role": "admin"}
    ]
    assert await audit_actions(alice, org, "organization", org) == ["update", "create"]
    same_name = await alice.mutation("accounts/orgs:create", name="Acme")
    assert (await alice.query("accounts/users:me"))["activeOrgId"] == org
    slugs = [o["slug"] for o in await alice.query("accounts/orgs:list_mine")]
    assert sorted(slugs) == ["acme", "acme-2"] and same_name != org
    for bad in ("   ", "x" * 121):
        with pytest.raises(ArgumentError) as info:
            await alice.mutation("accounts/orgs:rename", orgId=org, name=bad)
        assert info.value.data["path"] == "name"
    assert (await alice.query("accounts/orgs:list_mine"))[0]["name"] == "Acme Ltd"
    with pytest.raises(AuthRequired):
        await app.anonymous().query("accounts/orgs:list_mine")


async def test_only_admins_manage_and_strangers_see_nothing(app: Harness) -> None:
    alice, bob, carl = await app.user("alice"), await app.user("bob"), await app.user("carl")
    mallory = await app.user("mallory")
    org = await app.org(
        "Acme", {"a": (alice, "admin"), "b": (bob, "member"), "c": (carl, "client")}
    )
    members = await carl.query("accounts/orgs:members", orgId=org, numItems=10)
    assert sorted(m["role"] for m in members["page"]) == ["admin", "client", "member"]
    for actor in (bob, carl):
        with pytest.raises(ForbiddenError):
            await actor.mutation("accounts/orgs:rename", orgId=org, name="Mine")
        with pytest.raises(ForbiddenError):
            await actor.mutation(
                "accounts/orgs:set_role", orgId=org, userId=actor.user_id, role="admin"
            )
        with pytest.raises(ForbiddenError):
            await actor.action(
                "accounts/invitations:create", orgId=org, email="x@example.test", role="admin"
            )
    with pytest.raises(ForbiddenError):
        await bob.mutation("accounts/orgs:remove_member", orgId=org, userId=carl.user_id)
    for call in (
        mallory.query("accounts/orgs:members", orgId=org, numItems=10),
        mallory.mutation("accounts/orgs:rename", orgId=org, name="pwned"),
        mallory.mutation("accounts/orgs:remove_member", orgId=org, userId=bob.user_id),
    ):
        with pytest.raises(NotFoundError):
            await call
    await alice.mutation("accounts/orgs:set_role", orgId=org, userId=bob.user_id, role="client")
    roles = await alice.query("accounts/orgs:members", orgId=org, numItems=10)
    assert {m["userId"]: m["role"] for m in roles["page"]}[bob.user_id] == "client"


async def test_the_last_admin_stays(app: Harness) -> None:
    alice, bob = await app.user("alice"), await app.user("bob")
    org = await app.org("Acme", {"a": (alice, "admin"), "b": (bob, "member")})
    with pytest.raises(ArgumentError, match="at least one admin"):
        await alice.mutation(
            "accounts/orgs:set_role", orgId=org, userId=alice.user_id, role="member"
        )
    with pytest.raises(ArgumentError, match="at least one admin"):
        await alice.mutation("accounts/orgs:remove_member", orgId=org, userId=alice.user_id)
    stranger = await app.user("stranger")
    with pytest.raises(ArgumentError) as info:
        await alice.mutation("accounts/orgs:remove_member", orgId=org, userId=stranger.user_id)
    assert info.value.data["path"] == "userId"
    await alice.mutation("accounts/orgs:set_role", orgId=org, userId=bob.user_id, role="admin")
    await alice.mutation("accounts/orgs:set_role", orgId=org, userId=alice.user_id, role="member")
    # A member may leave on their own.
    await alice.mutation("accounts/orgs:remove_member", orgId=org, userId=alice.user_id)
    assert await alice.query("accounts/orgs:list_mine") == []


async def invite(actor: Actor, org: str, **extra: Any) -> dict[str, Any]:
    args = {"orgId": org, "email": "Bob@Example.test", "role": "member", **extra}
    result: dict[str, Any] = await actor.action("accounts/invitations:create", **args)
    return result


async def test_invitation_links(app: Harness) -> None:
    alice, bob, carl = await app.user("alice"), await app.user("bob"), await app.user("carl")
    org = await app.org("Acme", {"a": (alice, "admin")})
    link = await invite(alice, org, role="client")
    preview = await carl.query("accounts/invitations:preview", token=link["token"])
    assert preview["orgName"] == "Acme" and preview["role"] == "client"
    assert preview["status"] == "pending"
    with pytest.raises(NotFoundError, match="Not found"):
        await carl.query("accounts/invitations:preview", token=link["token"] + "x")
    listed = await alice.query("accounts/invitations:list", orgId=org, numItems=10)
    assert [i["email"] for i in listed["page"]] == ["bob@example.test"]
    assert "tokenHash" not in listed["page"][0] and link["token"] not in str(listed)

    with pytest.raises(NotFoundError, match="Not found"):
        await bob.mutation("accounts/invitations:accept", token=link["token"] + "x")
    joined = await bob.mutation("accounts/invitations:accept", token=link["token"])
    assert joined == {"orgId": org, "role": "client"}
    assert await bob.mutation("accounts/invitations:accept", token=link["token"]) == joined
    with pytest.raises(NotFoundError, match="Not found"):
        await carl.mutation("accounts/invitations:accept", token=link["token"])
    accepted = await alice.query(
        "accounts/invitations:list", orgId=org, status="accepted", numItems=9
    )
    assert [i["acceptedBy"] for i in accepted["page"]] == [bob.user_id]
    with pytest.raises(NotFoundError, match="Not found"):  # a used link offers nothing more
        await carl.query("accounts/invitations:preview", token=link["token"])
    assert await audit_actions(alice, org, "invitation", link["invitationId"]) == [
        "status_change",
        "create",
    ]

    revoked = await invite(alice, org, email="carl@example.test")
    await alice.mutation("accounts/invitations:revoke", invitationId=revoked["invitationId"])
    with pytest.raises(NotFoundError, match="Not found"):
        await carl.mutation("accounts/invitations:accept", token=revoked["token"])
    with pytest.raises(ArgumentError, match="expected one of"):
        await alice.mutation("accounts/invitations:revoke", invitationId=revoked["invitationId"])
    with pytest.raises(NotFoundError):
        await carl.mutation("accounts/invitations:revoke", invitationId=revoked["invitationId"])
    assert [o["_id"] for o in await carl.query("accounts/orgs:list_mine")] == []


async def expired_invitation(app: Harness, org: str, inviter: Actor, token_hash: str) -> None:
    """An invitation whose expiry has passed (the public action refuses lifetimes under 60 s)."""

    def insert(tx: Transaction) -> str:
        row = {
            "orgId": org,
            "email": "b@example.test",
            "role": "member",
            "tokenHash": token_hash,
            "invitedBy": inviter.user_id,
            "expiresAt": 1,
            "status": "pending",
        }
        return tx.insert("invitations", row)

    await app.deployment.transact(insert, "tests:expired_invitation")


async def test_expired_invitations_and_bad_input(app: Harness) -> None:
    alice, bob = await app.user("alice"), await app.user("bob")
    org = await app.org("Acme", {"a": (alice, "admin")})
    await expired_invitation(app, org, alice, "0" * 64)
    expired = await alice.query(
        "accounts/invitations:list", orgId=org, status="expired", numItems=5
    )
    assert len(expired["page"]) == 1 and expired["page"][0]["status"] == "expired"
    pending = await alice.query(
        "accounts/invitations:list", orgId=org, status="pending", numItems=5
    )
    assert pending["page"] == []

    for extra, path in (
        ({"expiresInSeconds": 5}, "expiresInSeconds"),
        ({"email": "nobody"}, "email"),
        ({"email": "alice@example.test"}, "email"),
    ):
        with pytest.raises(ArgumentError) as info:
            await invite(alice, org, **extra)
        assert info.value.data["path"] == path
    everything = await alice.query("accounts/invitations:list", orgId=org, numItems=10)
    assert len(everything["page"]) == 1
    assert [o["_id"] for o in await bob.query("accounts/orgs:list_mine")] == []


async def test_expired_link_is_refused(app: Harness) -> None:
    alice, bob = await app.user("alice"), await app.user("bob")
    org = await app.org("Acme", {"a": (alice, "admin")})
    await expired_invitation(app, org, alice, sha256_hex("the-link"))
    with pytest.raises(AppError, match="expired") as info:
        await bob.mutation("accounts/invitations:accept", token="the-link")
    assert info.value.code == "InvitationExpired"
    assert await bob.query("accounts/orgs:list_mine") == []


async def test_removing_a_member_ends_their_live_queries(tmp_path: Path) -> None:
    async with backend_for_testing(tmp_path) as backend:
        alice = await backend.signup("alice@example.test", orgName="Acme")
        admin = backend.client(alice["accessToken"])
        link = await admin.action(
            "accounts/invitations:create",
            {"orgId": alice["orgId"], "email": "bob@example.test", "role": "member"},
        )
        bob = await backend.signup("bob@example.test", invitation=link["token"])
        assert bob["orgId"] == alice["orgId"] and bob["orgs"][0]["role"] == "member"
        bob_token = await backend.client(bob["accessToken"]).action(
            "accounts/api_tokens:create", {"orgId": bob["orgId"], "name": "script"}
        )

        async with AsyncClient(backend.url, bob["accessToken"]) as live:
            members = live.subscribe(
                "accounts/orgs:members", {"orgId": bob["orgId"], "numItems": 10}
            )
            first = await asyncio.wait_for(members.__anext__(), 5)
            assert len(first["page"]) == 2
            await admin.mutation(
                "accounts/orgs:remove_member",
                {"orgId": alice["orgId"], "userId": bob["user"]["_id"]},
            )
            with pytest.raises(FunctionError, match="Not found"):
                await asyncio.wait_for(members.__anext__(), 5)
            members.close()

        exchanged = await backend.post(
            "/auth/token", headers={"Authorization": f"Bearer {bob_token['token']}"}
        )
        assert exchanged.status_code == 401
        refreshed = await backend.post("/auth/refresh", {"refreshToken": bob["refreshToken"]})
        assert refreshed.json()["orgId"] is None and refreshed.json()["orgs"] == []
        trail = await admin.query(
            "audit:list_for_entity",
            {
                "orgId": alice["orgId"],
                "entityType": "membership",
                "entityId": bob["user"]["_id"],
                "numItems": 5,
            },
        )
        assert [row["action"] for row in trail["page"]] == ["delete"]
