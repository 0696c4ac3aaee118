"""Built-in sign-in over the real HTTP actions: sessions, keys, API tokens, single tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from foundry.client import FunctionError
from foundry.engine.auth import AuthConfig, AuthError, TokenVerifier
from tests.app.test_accounts_support import PASSWORD, Backend, backend_for_testing


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[Backend]:
    async with backend_for_testing(tmp_path) as served:
        yield served


async def test_signup_then_login_gives_tokens_the_backend_accepts(backend: Backend) -> None:
    signed_up = await backend.signup("alice@example.test", orgName="Acme")
    assert set(signed_up) >= {"accessToken", "refreshToken", "expiresAt", "user", "orgs", "orgId"}
    assert "passwordHash" not in signed_up["user"]
    assert [o["role"] for o in signed_up["orgs"]] == ["admin"]
    identity = await backend.verifier.verify(signed_up["accessToken"])
    assert identity.subject == signed_up["user"]["_id"]
    assert identity.org_id == signed_up["orgId"] and identity.org_role == "admin"
    assert identity.email == "alice@example.test"

    login = await backend.post(
        "/auth/login", {"email": " Alice@Example.TEST ", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    assert login.headers["cache-control"] == "no-store"
    me = await backend.client(login.json()["accessToken"]).query("accounts/users:me")
    assert me["user"]["_id"] == signed_up["user"]["_id"]
    assert me["activeOrgId"] == signed_up["orgId"]
    assert login.json()["refreshToken"] != signed_up["refreshToken"]


async def test_wrong_password_and_unknown_email_are_indistinguishable(backend: Backend) -> None:
    await backend.signup("alice@example.test")
    wrong = await backend.post("/auth/login", {"email": "alice@example.test", "password": "nope"})
    unknown = await backend.post("/auth/login", {"email": "bob@example.test", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["errorData"] == {"code": "InvalidCredentials"}


async def test_bad_sign_up_input_names_the_field_and_writes_nothing(backend: Backend) -> None:
    for body, path in (
        ({"email": "a@example.test", "password": "short", "name": "A"}, "password"),
        ({"email": "not-an-email", "password": PASSWORD, "name": "A"}, "email"),
        ({"email": "a@example.test", "password": PASSWORD, "name": " "}, "name"),
        ({"email": "a@example.test", "password": PASSWORD}, "name"),
        ({"email": "a@example.test", "password": PASSWORD, "name": "A", "orgName": ""}, "orgName"),
    ):
        response = await backend.post("/auth/signup", body)
        assert response.status_code == 400, body
        assert response.json()["errorData"]["path"] == path
    login = await backend.post("/auth/login", {"email": "a@example.test", "password": PASSWORD})
    assert login.status_code == 401
    await backend.signup("a@example.test")
    again = await backend.post(
        "/auth/signup", {"email": "A@example.test", "password": PASSWORD, "name": "A"}
    )
    assert again.status_code == 400 and again.json()["errorData"]["path"] == "email"
    assert (await backend.http.post("/auth/signup", content=b"[1")).status_code == 400
    assert (await backend.post("/auth/signup", [1])).status_code == 400


async def test_refresh_rotates_and_reuse_revokes_the_session(backend: Backend) -> None:
    first = (await backend.signup("alice@example.test"))["refreshToken"]
    rotated = await backend.post("/auth/refresh", {"refreshToken": first})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()["refreshToken"]
    assert second != first
    await backend.verifier.verify(rotated.json()["accessToken"])
    third = (await backend.post("/auth/refresh", {"refreshToken": second})).json()["refreshToken"]

    # The first token comes back: someone else holds this session, so it ends for everyone.
    reused = await backend.post("/auth/refresh", {"refreshToken": first})
    assert reused.status_code == 401
    assert reused.json()["errorData"] == {"code": "RefreshTokenReused"}
    after = await backend.post("/auth/refresh", {"refreshToken": third})
    assert after.status_code == 401 and after.json()["errorData"] == {"code": "SessionEnded"}


async def test_a_forged_secret_for_a_real_session_signs_nobody_out(backend: Backend) -> None:
    token = (await backend.signup("alice@example.test"))["refreshToken"]
    session_id = token.split(".")[0]
    for forged in (f"{session_id}.guessed", "garbage", f"{session_id[:-3]}zzz.x"):
        response = await backend.post("/auth/refresh", {"refreshToken": forged})
        assert response.status_code == 401
    assert (await backend.post("/auth/refresh", {"refreshToken": token})).status_code == 200


async def test_logout_ends_the_session(backend: Backend) -> None:
    token = (await backend.signup("alice@example.test"))["refreshToken"]
    other = (
        await backend.post("/auth/login", {"email": "alice@example.test", "password": PASSWORD})
    ).json()["refreshToken"]
    assert (await backend.post("/auth/logout", {"refreshToken": token})).json() == {"ok": True}
    assert (await backend.post("/auth/refresh", {"refreshToken": token})).status_code == 401
    # Logging out twice, or with nonsense, is harmless; the other session lives on.
    assert (await backend.post("/auth/logout", {"refreshToken": token})).status_code == 200
    assert (await backend.post("/auth/logout", {"refreshToken": "x"})).status_code == 200
    assert (await backend.post("/auth/refresh", {"refreshToken": other})).status_code == 200


async def test_jwks_is_served_and_verifies_minted_tokens(backend: Backend) -> None:
    answer = await backend.signup("alice@example.test", orgName="Acme")
    jwks = (await backend.http.get("/.well-known/jwks.json")).json()
    assert [key["alg"] for key in jwks["keys"]] == ["RS256"]
    assert "d" not in jwks["keys"][0]  # public parts only
    outside = TokenVerifier(
        [
            AuthConfig(
                issuer=backend.settings.issuer,
                audience="foundry",
                jwks_url=f"{backend.url}/.well-known/jwks.json",
            )
        ]
    )
    try:
        identity = await outside.verify(answer["accessToken"])
        assert identity.org_id == answer["orgId"]
        head, payload, signature = answer["accessToken"].split(".")
        with pytest.raises(AuthError):
            await outside.verify(f"{head}.{payload}.{signature[:-4]}AAAA")
    finally:
        await outside.aclose()


async def test_switching_organisation(backend: Backend) -> None:
    answer = await backend.signup("alice@example.test", orgName="Acme")
    other_org = await backend.client(answer["accessToken"]).mutation(
        "accounts/orgs:create", {"name": "Beta"}
    )
    switched = await backend.post(
        "/auth/switch-org", {"refreshToken": answer["refreshToken"], "orgId": other_org}
    )
    assert switched.status_code == 200, switched.text
    identity = await backend.verifier.verify(switched.json()["accessToken"])
    assert identity.org_id == other_org and switched.json()["orgId"] == other_org
    # A later refresh stays in the organisation switched to.
    refreshed = await backend.post(
        "/auth/refresh", {"refreshToken": switched.json()["refreshToken"]}
    )
    assert refreshed.json()["orgId"] == other_org

    mallory = await backend.signup("mallory@example.test", orgName="Evil")
    refused = await backend.post(
        "/auth/switch-org", {"refreshToken": mallory["refreshToken"], "orgId": other_org}
    )
    assert refused.status_code == 404
    # The refusal wrote nothing: Mallory's refresh token still works, in her own org.
    still = await backend.post("/auth/refresh", {"refreshToken": mallory["refreshToken"]})
    assert still.status_code == 200 and still.json()["orgId"] == mallory["orgId"]


async def test_api_tokens_are_shown_once_exchanged_and_revoked(backend: Backend) -> None:
    alice = await backend.signup("alice@example.test", orgName="Acme")
    client = backend.client(alice["accessToken"])
    created = await client.action(
        "accounts/api_tokens:create", {"orgId": alice["orgId"], "name": "ci"}
    )
    assert created["token"].startswith(created["prefix"]) and created["prefix"].startswith("fnd_")
    listed = await client.query("accounts/api_tokens:list", {"numItems": 10})
    assert [t["prefix"] for t in listed["page"]] == [created["prefix"]]
    assert "tokenHash" not in listed["page"][0] and "token" not in listed["page"][0]

    auth = {"Authorization": f"Bearer {created['token']}"}
    exchanged = await backend.post("/auth/token", headers=auth)
    assert exchanged.status_code == 200, exchanged.text
    assert "refreshToken" not in exchanged.json()
    identity = await backend.verifier.verify(exchanged.json()["accessToken"])
    assert identity.subject == alice["user"]["_id"] and identity.org_id == alice["orgId"]
    listed = await client.query("accounts/api_tokens:list", {"numItems": 10})
    assert listed["page"][0]["lastUsedAt"] > 0

    bob = await backend.signup("bob@example.test")
    with pytest.raises(FunctionError, match="Not found"):
        await backend.client(bob["accessToken"]).mutation(
            "accounts/api_tokens:revoke", {"tokenId": created["tokenId"]}
        )
    assert (await backend.post("/auth/token", headers=auth)).status_code == 200
    await client.mutation("accounts/api_tokens:revoke", {"tokenId": created["tokenId"]})
    refused = await backend.post("/auth/token", headers=auth)
    assert refused.status_code == 401 and refused.json()["errorData"]["code"] == "InvalidApiToken"
    wrong = {"Authorization": "Bearer fnd_not-a-token"}
    assert (await backend.post("/auth/token", headers=wrong)).status_code == 401


async def test_single_tenant_mode(tmp_path: Path) -> None:
    async with backend_for_testing(tmp_path, FOUNDRY_SINGLE_TENANT="1") as backend:
        first = await backend.signup("admin@example.test", orgName="Team")
        second = await backend.signup("dev@example.test", orgName="Ignored")
        assert first["orgId"] == second["orgId"]
        assert [o["name"] for o in second["orgs"]] == ["Team"]
        assert first["orgs"][0]["role"] == "admin" and second["orgs"][0]["role"] == "member"
        with pytest.raises(FunctionError, match="single organisation"):
            await backend.client(second["accessToken"]).mutation(
                "accounts/orgs:create", {"name": "Another"}
            )
