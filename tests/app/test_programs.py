"""Programs, and the tenancy rules every domain module shares."""

from __future__ import annotations

import pytest

from foundry.engine.errors import ArgumentError, AuthRequired, ForbiddenError, NotFoundError
from tests.app.harness import Harness


async def test_create_list_update_and_audit(app: Harness) -> None:
    alice = await app.user("alice")
    org = await app.org("Acme", {"alice": (alice, "admin")})
    program_id = await alice.mutation(
        "programs:create", orgId=org, name="Acme Migration", clientName="Acme"
    )
    program = await alice.query("programs:get", programId=program_id)
    assert program["slug"] == "acme-migration" and program["phase"] == "discovery"
    await alice.mutation("programs:update", programId=program_id, phase="build")
    await alice.mutation("programs:set_status", programId=program_id, status="paused")
    assert [p["_id"] for p in await alice.query("programs:list", orgId=org)] == [program_id]
    trail = await alice.query("audit:list_for_program", programId=program_id, numItems=10)
    assert [row["action"] for row in trail["page"]] == ["status_change", "update", "create"]
    assert trail["page"][1]["changes"] == {"phase": {"from": "discovery", "to": "build"}}


async def test_bad_input_names_the_field_and_writes_nothing(app: Harness) -> None:
    alice = await app.user("alice")
    org = await app.org("Acme", {"alice": (alice, "admin")})
    await alice.mutation("programs:create", orgId=org, name="One", clientName="Acme", slug="one")
    with pytest.raises(ArgumentError, match="already used"):
        await alice.mutation(
            "programs:create", orgId=org, name="Two", clientName="Acme", slug="one"
        )
    with pytest.raises(ArgumentError) as info:
        await alice.mutation("programs:create", orgId=org, name="  ", clientName="Acme")
    assert info.value.data["path"] == "name"
    with pytest.raises(ArgumentError, match="targetEndDate"):
        await alice.mutation(
            "programs:create",
            orgId=org,
            name="Three",
            clientName="A",
            startDate=10,
            targetEndDate=5,
        )
    assert len(await alice.query("programs:list", orgId=org)) == 1
    program_id = (await alice.query("programs:list", orgId=org))[0]["_id"]
    with pytest.raises(ArgumentError, match="expected one of"):
        await alice.mutation("programs:set_status", programId=program_id, status="active")


async def test_other_organisations_and_anonymous_callers_see_nothing(app: Harness) -> None:
    alice, mallory = await app.user("alice"), await app.user("mallory")
    org = await app.org("Acme", {"alice": (alice, "admin")})
    await app.org("Evil", {"mallory": (mallory, "admin")})
    program_id = await alice.mutation(
        "programs:create", orgId=org, name="Secret", clientName="Acme"
    )
    for call in (
        mallory.query("programs:get", programId=program_id),
        mallory.query("programs:list", orgId=org),
        mallory.mutation("programs:update", programId=program_id, name="pwned"),
    ):
        with pytest.raises(NotFoundError) as info:
            await call
        assert "Secret" not in str(info.value.message)
    with pytest.raises(AuthRequired):
        await app.anonymous().query("programs:get", programId=program_id)
    # An unknown id and another tenant's id give the very same error.
    with pytest.raises(NotFoundError) as missing:
        await alice.query("programs:get", programId=program_id[:-3] + "zzz")
    with pytest.raises(NotFoundError) as foreign:
        await mallory.query("programs:get", programId=program_id)
    assert missing.value.message == foreign.value.message


async def test_clients_read_but_do_not_write(app: Harness) -> None:
    alice, carl, dana = await app.user("alice"), await app.user("carl"), await app.user("dana")
    org = await app.org(
        "Acme", {"alice": (alice, "admin"), "carl": (carl, "client"), "dana": (dana, "member")}
    )
    program_id = await alice.mutation("programs:create", orgId=org, name="P", clientName="Acme")
    assert (await carl.query("programs:get", programId=program_id))["name"] == "P"
    with pytest.raises(ForbiddenError):
        await carl.mutation("programs:update", programId=program_id, name="Q")
    # A member who is a client on this program's team is read-only here too.
    await alice.mutation("team:add", programId=program_id, userId=dana.user_id, role="client")
    with pytest.raises(ForbiddenError):
        await dana.mutation("programs:update", programId=program_id, name="Q")
    await alice.mutation("team:add", programId=program_id, userId=dana.user_id, role="developer")
    await dana.mutation("programs:update", programId=program_id, name="Q")


async def test_create_with_setup_writes_program_workstreams_and_team_together(app: Harness) -> None:
    alice, bob = await app.user("alice"), await app.user("bob")
    org = await app.org("Acme", {"alice": (alice, "admin"), "bob": (bob, "member")})
    made = await alice.mutation(
        "programs:create_with_setup",
        orgId=org,
        name="Acme Replatform",
        clientName="Acme",
        targetPlatform="salesforce_b2b",
        phase="build",
        workstreams=[
            {"name": "Catalog", "shortCode": "cat"},
            {"name": "Data", "shortCode": "DATA"},
        ],
        team=[{"userId": bob.user_id, "role": "developer"}],
    )
    assert made["slug"] == "acme-replatform"
    program = await alice.query("programs:get", programId=made["programId"])
    assert program["phase"] == "build" and program["targetPlatform"] == "salesforce_b2b"
    streams = await alice.query("workstreams:list", programId=made["programId"], numItems=10)
    assert [(w["shortCode"], w["name"]) for w in streams["page"]] == [
        ("CAT", "Catalog"),
        ("DATA", "Data"),
    ]
    team = await alice.query("team:list", programId=made["programId"])
    assert [(t["userId"], t["role"]) for t in team] == [(bob.user_id, "developer")]


async def test_create_with_setup_refuses_bad_entries_and_writes_nothing(app: Harness) -> None:
    alice, stranger = await app.user("alice"), await app.user("stranger")
    org = await app.org("Acme", {"alice": (alice, "admin")})
    await app.org("Other", {"stranger": (stranger, "admin")})
    base = {"orgId": org, "name": "P", "clientName": "C"}
    bad = [
        ({"workstreams": [{"name": "A", "shortCode": "A"}]}, "workstreams[0].shortCode"),
        (
            {"workstreams": [{"name": "A", "shortCode": "AA"}, {"name": "B", "shortCode": "aa"}]},
            "workstreams[1].shortCode",
        ),
        ({"workstreams": [{"name": " ", "shortCode": "AA"}]}, "workstreams[0].name"),
        (
            {"workstreams": [], "team": [{"userId": stranger.user_id, "role": "qa"}]},
            "team[0].userId",
        ),
        ({"workstreams": [], "name": ""}, "name"),
    ]
    for extra, path in bad:
        with pytest.raises(ArgumentError) as info:
            await alice.mutation("programs:create_with_setup", **{**base, **extra})
        assert info.value.data["path"] == path
    assert await alice.query("programs:list", orgId=org) == []
    with pytest.raises(NotFoundError):
        await stranger.mutation("programs:create_with_setup", **base, workstreams=[])


def test_default_workstreams_have_valid_unique_codes() -> None:
    from foundry.app.programs import PLATFORMS, default_workstreams
    from foundry.app.workstreams import SHORT_CODE

    for platform in (*PLATFORMS, None):
        codes = [code for code, _ in default_workstreams(platform)]
        assert len(codes) == len(set(codes)) and all(SHORT_CODE.match(c) for c in codes)


async def test_update_clears_optional_fields_named_in_unset(app: Harness) -> None:
    alice = await app.user("alice")
    org = await app.org("Acme", {"alice": (alice, "admin")})
    program_id = await alice.mutation(
        "programs:create", orgId=org, name="Unset", clientName="C", targetPlatform="magento"
    )
    await alice.mutation("programs:update", programId=program_id, unset=["targetPlatform"])
    assert "targetPlatform" not in await alice.query("programs:get", programId=program_id)
    with pytest.raises(ArgumentError, match="both set and unset"):
        await alice.mutation(
            "programs:update",
            programId=program_id,
            targetPlatform="magento",
            unset=["targetPlatform"],
        )
    trail = await alice.query("audit:list_for_program", programId=program_id, numItems=10)
    assert trail["page"][0]["changes"] == {"targetPlatform": {"from": "magento", "to": None}}
