"""Skills: versions on every content change, diffs, built-in templates, tenancy."""

from __future__ import annotations

from typing import Any

import pytest

from foundry.app.skill_templates import DOMAINS, TEMPLATES
from foundry.engine.errors import ArgumentError, ForbiddenError, NotFoundError
from tests.app.harness import Actor, Harness


async def setup(app: Harness) -> tuple[Actor, Actor, Actor, str]:
    alice, carl, mallory = (
        await app.user("alice"),
        await app.user("carl"),
        await app.user("mallory"),
    )
    org = await app.org("Acme", {"alice": (alice, "admin"), "carl": (carl, "client")})
    await app.org("Evil", {"mallory": (mallory, "admin")})
    program_id = await alice.mutation("programs:create", orgId=org, name="P", clientName="Acme")
    return alice, carl, mallory, program_id


async def audit_actions(actor: Actor, program_id: str) -> list[Any]:
    trail = await actor.query("audit:list_for_program", programId=program_id, numItems=50)
    return [(row["entityType"], row["action"]) for row in trail["page"]]


def test_templates_cover_every_domain_with_real_guidance() -> None:
    assert sorted(TEMPLATES) == sorted(DOMAINS)
    for template in TEMPLATES.values():
        assert 40 <= template.line_count <= 120, template.key
        assert template.name and template.description and "## " in template.content


async def test_versions_history_and_diff(app: Harness) -> None:
    alice, _, _, program_id = await setup(app)
    skill_id = await alice.mutation(
        "skills:create", programId=program_id, name="API rules", domain="backend",
        content="line one\nline two\nline three",
    )  # fmt: skip
    new_content = "line one\nline 2\nline three\nline four"
    saved = await alice.mutation(
        "skills:update_content", skillId=skill_id, content=new_content, message="tighten"
    )
    assert saved == "2"
    # Saving identical content makes no version; a stale editor is refused.
    again = await alice.mutation("skills:update_content", skillId=skill_id, content=new_content)
    assert again == "2"
    with pytest.raises(ArgumentError, match="version 2"):
        await alice.mutation(
            "skills:update_content", skillId=skill_id, content="x", expectedVersion="1"
        )
    skill = await alice.query("skills:get", skillId=skill_id)
    assert skill["currentVersion"] == "2" and skill["lineCount"] == 4

    history = await alice.query("skills:versions", skillId=skill_id, numItems=10)
    assert [(row["version"], row.get("message")) for row in history["page"]] == [
        ("2", "tighten"),
        ("1", None),
    ]
    assert "content" not in history["page"][0]

    diff = await alice.query("skills:diff", skillId=skill_id, fromVersion="1", toVersion="2")
    assert diff["added"] == 2 and diff["removed"] == 1 and not diff["truncated"]
    assert "--- v1\n+++ v2\n" in diff["diff"]
    assert "-line two\n" in diff["diff"] and "+line 2\n" in diff["diff"]
    assert "+line four\n" in diff["diff"]
    with pytest.raises(ArgumentError) as info:
        await alice.query("skills:diff", skillId=skill_id, fromVersion="1", toVersion="9")
    assert info.value.data["path"] == "toVersion"

    assert await alice.mutation("skills:restore_version", skillId=skill_id, version="1") == "3"
    restored = await alice.query("skills:get_version", skillId=skill_id, version="3")
    assert restored["content"] == "line one\nline two\nline three"
    # Sorted: rows written in the same millisecond by different mutations have no fixed order.
    assert sorted(await audit_actions(alice, program_id)) == [
        ("program", "create"), ("skill", "create"), ("skill", "update"), ("skill", "update"),
    ]  # fmt: skip


async def test_fork_template_list_by_domain_status_and_delete(app: Harness) -> None:
    alice, _, _, program_id = await setup(app)
    templates = await alice.query("skills:templates", programId=program_id)
    assert {t["key"] for t in templates} == set(DOMAINS)
    forked = await alice.mutation(
        "skills:fork_template", programId=program_id, templateKey="testing"
    )
    skill = await alice.query("skills:get", skillId=forked)
    assert skill["content"] == TEMPLATES["testing"].content
    assert (skill["currentVersion"], skill["status"], skill["domain"]) == ("1", "draft", "testing")
    await alice.mutation(
        "skills:create", programId=program_id, name="FE", domain="frontend", content="x"
    )
    page = await alice.query("skills:list", programId=program_id, domain="testing", numItems=10)
    assert [s["_id"] for s in page["page"]] == [forked] and "content" not in page["page"][0]
    assert len((await alice.query("skills:list", programId=program_id, numItems=10))["page"]) == 2

    await alice.mutation("skills:set_status", skillId=forked, status="active")
    with pytest.raises(ArgumentError, match="expected one of"):
        await alice.mutation("skills:set_status", skillId=forked, status="active")
    active = await alice.query("skills:list", programId=program_id, status="active", numItems=10)
    assert [s["_id"] for s in active["page"]] == [forked]
    with pytest.raises(ArgumentError) as info:
        await alice.mutation("skills:fork_template", programId=program_id, templateKey="nope")
    assert info.value.data["path"] == "templateKey"

    await alice.mutation("skills:delete", skillId=forked)
    with pytest.raises(NotFoundError):
        await alice.query("skills:get", skillId=forked)


async def test_bad_input_writes_nothing(app: Harness) -> None:
    alice, _, _, program_id = await setup(app)
    other = await alice.mutation("programs:create", orgId=(await alice.query(
        "programs:get", programId=program_id))["orgId"], name="Other", clientName="A")  # fmt: skip
    req = await alice.mutation(
        "requirements:create", programId=other, title="R", priority="must_have", fitGap="native"
    )
    for bad, path in (
        ({"name": " "}, "name"),
        ({"content": "x" * 100_001}, "content"),
        ({"linkedRequirements": [req]}, "linkedRequirements[0]"),
    ):
        args = {"name": "S", "domain": "backend", "content": "c", **bad}
        with pytest.raises(ArgumentError) as info:
            await alice.mutation("skills:create", programId=program_id, **args)
        assert info.value.data["path"] == path
    assert (await alice.query("skills:list", programId=program_id, numItems=10))["page"] == []
    assert await audit_actions(alice, program_id) == [("program", "create")]


async def test_tenancy(app: Harness) -> None:
    alice, carl, mallory, program_id = await setup(app)
    skill_id = await alice.mutation(
        "skills:create", programId=program_id, name="S", domain="review", content="c"
    )
    assert (await carl.query("skills:get", skillId=skill_id))["name"] == "S"
    for call in (
        carl.mutation("skills:update_content", skillId=skill_id, content="d"),
        carl.mutation("skills:fork_template", programId=program_id, templateKey="review"),
    ):
        with pytest.raises(ForbiddenError):
            await call
    for call in (
        mallory.query("skills:get", skillId=skill_id),
        mallory.query("skills:diff", skillId=skill_id, fromVersion="1", toVersion="1"),
        mallory.query("skills:templates", programId=program_id),
        mallory.mutation("skills:update_content", skillId=skill_id, content="pwned"),
    ):
        with pytest.raises(NotFoundError):
            await call
    assert (await alice.query("skills:get", skillId=skill_id))["content"] == "c"
