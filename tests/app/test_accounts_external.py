"""Outside identity: Clerk's Svix-signed webhooks, Clerk session tokens, and any OIDC issuer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from foundry.app.accounts.roles import role_from_claim
from foundry.client import FunctionError
from foundry.engine.auth import LocalSigner
from tests.app.test_accounts_support import Backend, backend_for_testing

CLERK = "https://clerk.example.test"
AUTH0 = "https://tenant.auth0.example.test/"
SECRET = "whsec_" + base64.b64encode(b"clerk-test-secret-32-bytes-long!").decode()


def svix_headers(
    body: bytes, *, msg_id: str | None = None, secret: str = SECRET, at: float | None = None
) -> dict[str, str]:
    """Headers Svix would send: its documented scheme, written independently of the app's."""
    msg_id = msg_id or f"msg_{secrets.token_hex(8)}"
    timestamp = str(int(at if at is not None else time.time()))
    key = base64.b64decode(secret.split("_", 1)[1])
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "svix-id": msg_id,
        "svix-timestamp": timestamp,
        "svix-signature": "v1," + base64.b64encode(mac).decode(),
        "content-type": "application/json",
    }


def clerk_user(user_id: str, first: str = "Ada", email: str = "ada@example.test") -> Any:
    return {
        "id": user_id,
        "first_name": first,
        "last_name": "Lovelace",
        "primary_email_address_id": "idn_2",
        "email_addresses": [
            {"id": "idn_1", "email_address": "old@example.test"},
            {"id": "idn_2", "email_address": email},
        ],
        "image_url": "https://img.example.test/ada.png",
    }


def membership(user_id: str, org_id: str, role: str) -> Any:
    return {
        "id": f"orgmem_{user_id}",
        "role": role,
        "organization": {"id": org_id, "name": "Analytical", "slug": "analytical"},
        "public_user_data": {"user_id": user_id, "identifier": "ada@example.test"},
    }


class Clerk:
    """A stand-in for Clerk: signs webhooks and session tokens."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.signer = LocalSigner.generate(issuer=CLERK)

    async def send(self, type: str, data: Any, **header_options: Any) -> Any:
        body = orjson.dumps({"type": type, "object": "event", "data": data})
        headers = svix_headers(body, **header_options)
        return await self.backend.http.post("/clerk-users-webhook", content=body, headers=headers)

    def session_token(self, user_id: str, org_id: str | None = None) -> str:
        claims: dict[str, Any] = {"sub": user_id}
        if org_id is not None:
            claims |= {"org_id": org_id, "org_role": "org:admin"}
        return self.signer.sign(claims, 60)


@pytest.fixture
async def clerk(tmp_path: Path) -> AsyncIterator[Clerk]:
    key_holder = LocalSigner.generate(issuer=CLERK)
    issuers = [
        {"issuer": CLERK, "publicKeysPem": [key_holder.public_key_pem()], "orgClaim": "org_id"},
        {
            "issuer": AUTH0,
            "publicKeysPem": [key_holder.public_key_pem()],
            "audience": "https://api.foundry.test",
            "orgClaim": "https://foundry.test/org",
        },
    ]
    async with backend_for_testing(
        tmp_path,
        CLERK_WEBHOOK_SECRET=SECRET,
        CLERK_ISSUER=CLERK,
        FOUNDRY_AUTH_ISSUERS=orjson.dumps(issuers).decode(),
    ) as backend:
        stand_in = Clerk(backend)
        stand_in.signer = key_holder
        yield stand_in


async def test_webhooks_sync_users_orgs_and_memberships(clerk: Clerk) -> None:
    assert (await clerk.send("user.created", clerk_user("user_1"))).json()["outcome"] == "applied"
    await clerk.send("organization.created", {"id": "org_1", "name": "Analytical", "slug": "an"})
    await clerk.send("organizationMembership.created", membership("user_1", "org_1", "org:admin"))

    # Clerk's session token (org claim = Clerk's org id) lands on our user and our org.
    client = clerk.backend.client(clerk.session_token("user_1", "org_1"))
    me = await client.query("accounts/users:me")
    assert me["user"]["name"] == "Ada Lovelace" and me["user"]["email"] == "ada@example.test"
    assert [(o["name"], o["role"]) for o in me["orgs"]] == [("Analytical", "admin")]
    assert me["activeOrgId"] == me["orgs"][0]["_id"] != "org_1"

    await clerk.send("user.updated", clerk_user("user_1", first="Augusta"))
    await clerk.send("organization.updated", {"id": "org_1", "name": "Engines", "slug": "an"})
    await clerk.send("organizationMembership.updated", membership("user_1", "org_1", "org:viewer"))
    me = await client.query("accounts/users:me")
    assert me["user"]["name"] == "Augusta Lovelace"
    assert [(o["name"], o["role"]) for o in me["orgs"]] == [("Engines", "client")]
    # Members of a Clerk organisation are managed in Clerk, not here.
    await clerk.send("organizationMembership.updated", membership("user_1", "org_1", "org:admin"))
    with pytest.raises(FunctionError, match="identity provider"):
        await client.mutation(
            "accounts/orgs:remove_member",
            {"orgId": me["activeOrgId"], "userId": me["user"]["_id"]},
        )

    await clerk.send("organizationMembership.deleted", membership("user_1", "org_1", "org:admin"))
    assert (await client.query("accounts/users:me"))["orgs"] == []
    await clerk.send("organizationMembership.created", membership("user_1", "org_1", "org:member"))
    await clerk.send("user.deleted", {"id": "user_1", "deleted": True})
    with pytest.raises(FunctionError, match="disabled"):
        await client.query("accounts/users:me")


async def test_bad_stale_and_unsigned_webhooks_are_refused(clerk: Clerk) -> None:
    body = orjson.dumps({"type": "user.created", "data": clerk_user("user_2")})
    other_secret = "whsec_" + base64.b64encode(b"x" * 32).decode()
    cases = [
        (svix_headers(body, secret=other_secret), "BadSignature"),
        (svix_headers(body, at=time.time() - 600), "StaleTimestamp"),
        (svix_headers(body, at=time.time() + 600), "StaleTimestamp"),
        ({"content-type": "application/json"}, "MissingHeaders"),
        ({**svix_headers(body), "svix-signature": "v2,abc"}, "BadSignature"),
        ({**svix_headers(body), "svix-timestamp": "soon"}, "BadTimestamp"),
    ]
    for headers, code in cases:
        response = await clerk.backend.http.post(
            "/clerk-users-webhook", content=body, headers=headers
        )
        assert response.status_code == 400, code
        assert response.json()["errorData"]["code"] == code
    # A body changed after signing fails too.
    headers = svix_headers(body)
    tampered = body.replace(b"Ada", b"Eve")
    response = await clerk.backend.http.post(
        "/clerk-users-webhook", content=tampered, headers=headers
    )
    assert response.status_code == 400
    # Nothing was written: Clerk's token for that user finds no account.
    with pytest.raises(FunctionError, match="No account"):
        await clerk.backend.client(clerk.session_token("user_2")).query("accounts/users:me")

    # While a secret rotates, Svix sends several signatures; any valid v1 entry is enough.
    good = svix_headers(body)
    good["svix-signature"] = "v1,AAAA " + good["svix-signature"]
    response = await clerk.backend.http.post("/clerk-users-webhook", content=body, headers=good)
    assert response.status_code == 200, response.text


async def test_a_replayed_svix_id_is_applied_once(clerk: Clerk) -> None:
    first = await clerk.send("user.created", clerk_user("user_3"), msg_id="msg_fixed")
    assert first.json()["outcome"] == "applied"
    replay = await clerk.send(
        "user.updated", clerk_user("user_3", first="Mallory"), msg_id="msg_fixed"
    )
    assert replay.status_code == 200 and replay.json()["outcome"] == "duplicate"
    me = await clerk.backend.client(clerk.session_token("user_3")).query("accounts/users:me")
    assert me["user"]["name"] == "Ada Lovelace"
    ignored = await clerk.send("session.created", {"id": "sess_1"})
    assert ignored.json()["outcome"] == "ignored"


async def test_any_oidc_issuer_with_an_org_claim(clerk: Clerk) -> None:
    claims = {
        "iss": AUTH0,
        "sub": "auth0|42",
        "aud": "https://api.foundry.test",
        "name": "Grace",
        "email": "grace@example.test",
        "https://foundry.test/org": "org_auth0_7",
        "org_role": "admin",
    }
    client = clerk.backend.client(clerk.signer.sign(claims, 60))
    with pytest.raises(FunctionError, match="No account"):
        await client.query("accounts/users:me")
    user_id = await client.mutation("accounts/users:store")
    me = await client.query("accounts/users:me")
    assert me["user"]["_id"] == user_id and me["user"]["name"] == "Grace"
    assert [o["role"] for o in me["orgs"]] == ["admin"] and me["activeOrgId"] is not None
    # Storing again is idempotent.
    assert await client.mutation("accounts/users:store") == user_id
    assert len((await client.query("accounts/users:me"))["orgs"]) == 1
    # A token for another audience is refused outright.
    wrong_audience = clerk.backend.client(clerk.signer.sign({**claims, "aud": "other"}, 60))
    with pytest.raises(Exception, match="audience"):
        await wrong_audience.query("accounts/users:me")


def test_role_mapping() -> None:
    assert role_from_claim("org:admin") == "admin"
    assert role_from_claim("org:member") == "member"
    assert role_from_claim("basic_member") == "member"
    assert role_from_claim(None) == "member"
    assert role_from_claim("org:guest") == "client"
    # An unknown custom role gets read-only access, never write access.
    assert role_from_claim("org:billing") == "client"
