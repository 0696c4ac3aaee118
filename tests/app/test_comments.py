"""Comments: sanitised markdown, threads on one entity, own-comment rules, tenancy."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from foundry.engine.errors import ArgumentError, ForbiddenError, NotFoundError
from tests.app.harness import Actor, Harness


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def tags_of(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


async def setup(app: Harness) -> tuple[Actor, Actor, Actor, Actor, str, str]:
    alice, bob = await app.user("alice"), await app.user("bob")
    carl, mallory = await app.user("carl"), await app.user("mallory")
    org = await app.org(
        "Acme", {"alice": (alice, "admin"), "bob": (bob, "member"), "carl": (carl, "client")}
    )
    await app.org("Evil", {"mallory": (mallory, "admin")})
    program_id = await alice.mutation("programs:create", orgId=org, name="P", clientName="Acme")
    skill_id = await alice.mutation(
        "skills:create", programId=program_id, name="S", domain="backend", content="c"
    )
    return alice, bob, carl, mallory, org, skill_id


XSS = """Hello **team** <script>alert(1)</script>
[click](javascript:alert(2)) [again](JaVaScRiPt:alert(3)) <javascript:alert(4)>
<img src=x onerror=alert(5)> ![pic](javascript:alert(6))
<a href="javascript:alert(7)" onclick="alert(8)">raw</a> [ok](https://example.test/x)
"""


async def test_markdown_is_stored_raw_and_rendered_sanitised(app: Harness) -> None:
    alice, _, _, _, _, skill_id = await setup(app)
    comment_id = await alice.mutation(
        "comments:create", entityType="skill", entityId=skill_id, content=XSS
    )
    page = await alice.query("comments:list", entityType="skill", entityId=skill_id, numItems=10)
    (comment,) = page["page"]
    assert comment["_id"] == comment_id and comment["content"] == XSS
    html = comment["html"]
    assert "<strong>team</strong>" in html
    tags = tags_of(html)
    assert {tag for tag, _ in tags} <= {"p", "strong", "a"}
    for _, attrs in tags:
        for name, value in attrs:
            assert not name.startswith("on"), html
            assert not (value or "").strip().lower().startswith("javascript"), html
    links = [dict(attrs)["href"] for tag, attrs in tags if tag == "a"]
    assert links == ["https://example.test/x"]
    # Editing re-renders through the same sanitiser.
    await alice.mutation("comments:update", commentId=comment_id, content="<script>x</script>*ok*")
    edited = (
        await alice.query("comments:list", entityType="skill", entityId=skill_id, numItems=10)
    )["page"][0]
    assert "<script" not in edited["html"] and "<em>ok</em>" in edited["html"]
    assert edited["editedAt"] > 0


async def test_threads_notifications_and_ownership(app: Harness) -> None:
    alice, bob, _, _, org, skill_id = await setup(app)
    program_id = (await alice.query("skills:get", skillId=skill_id))["programId"]
    other_skill = await alice.mutation(
        "skills:create", programId=program_id, name="T", domain="review", content="c"
    )
    root = await alice.mutation(
        "comments:create", entityType="skill", entityId=skill_id, content="Root"
    )
    reply = await bob.mutation(
        "comments:create", entityType="skill", entityId=skill_id, content="Reply", parentId=root
    )
    with pytest.raises(ArgumentError) as info:
        await bob.mutation(
            "comments:create", entityType="skill", entityId=other_skill, content="x", parentId=root
        )
    assert info.value.data["path"] == "parentId"
    assert await alice.query("notifications:unread_count", orgId=org) == 1
    (note,) = (await alice.query("notifications:mine", orgId=org, numItems=5))["page"]
    assert note["type"] == "comment_reply" and note["entityId"] == skill_id

    with pytest.raises(ForbiddenError):
        await bob.mutation("comments:update", commentId=root, content="hijack")
    with pytest.raises(ForbiddenError):
        await bob.mutation("comments:delete", commentId=root)
    # The admin deletes the root: it has a reply, so a placeholder keeps the thread together.
    await alice.mutation("comments:delete", commentId=root)
    page = await bob.query("comments:list", entityType="skill", entityId=skill_id, numItems=10)
    by_id = {c["_id"]: c for c in page["page"]}
    assert by_id[root]["deleted"] is True and by_id[root]["content"] == ""
    assert by_id[reply]["parentId"] == root
    await bob.mutation("comments:delete", commentId=reply)
    page = await bob.query("comments:list", entityType="skill", entityId=skill_id, numItems=10)
    assert [c["_id"] for c in page["page"]] == [root]
    trail = await alice.query("audit:list_for_program", programId=program_id, numItems=20)
    comment_rows = [r["action"] for r in trail["page"] if r["entityType"] == "comment"]
    assert sorted(comment_rows) == ["create", "create", "delete", "delete"]


async def test_comments_on_other_entities_and_bad_input(app: Harness) -> None:
    alice, _, carl, mallory, _, skill_id = await setup(app)
    program_id = (await alice.query("skills:get", skillId=skill_id))["programId"]
    integration_id = await alice.mutation(
        "integrations:create", programId=program_id, name="ERP sync", type="api",
        sourceSystem="SAP", targetSystem="Store",
    )  # fmt: skip
    await alice.mutation(
        "comments:create", entityType="integration", entityId=integration_id, content="ok"
    )
    for content in ("   ", "x" * 20_001):
        with pytest.raises(ArgumentError) as info:
            await alice.mutation(
                "comments:create", entityType="skill", entityId=skill_id, content=content
            )
        assert info.value.data["path"] == "content"
    # A skill id given as an integration id is simply not found.
    with pytest.raises(NotFoundError):
        await alice.mutation(
            "comments:create", entityType="integration", entityId=skill_id, content="x"
        )
    with pytest.raises(ForbiddenError):
        await carl.mutation("comments:create", entityType="skill", entityId=skill_id, content="x")
    for call in (
        mallory.mutation("comments:create", entityType="skill", entityId=skill_id, content="x"),
        mallory.query("comments:list", entityType="skill", entityId=skill_id, numItems=5),
    ):
        with pytest.raises(NotFoundError):
            await call
    page = await carl.query("comments:list", entityType="skill", entityId=skill_id, numItems=5)
    assert page["page"] == []


async def test_the_trail_names_what_was_commented_on(app: Harness) -> None:
    alice, _, _, _, _, skill_id = await setup(app)
    skill = await alice.query("skills:get", skillId=skill_id)
    program_id = skill["programId"]
    new = {"programId": program_id, "priority": "must_have", "fitGap": "native"}
    req_id = await alice.mutation("requirements:create", title="Checkout", **new)
    await alice.mutation("comments:create", entityType="requirement", entityId=req_id, content="x")
    await alice.mutation("comments:create", entityType="skill", entityId=skill_id, content="y")
    trail = await alice.query("audit:list_for_program", programId=program_id, numItems=2)
    assert [row["description"] for row in trail["page"]] == [
        'Commented on skill "S"',
        'Commented on requirement REQ-001 "Checkout"',
    ]
    feed = await alice.query(
        "activity:feed", programId=program_id, eventType="comment_added", numItems=1
    )
    assert feed["page"][0]["message"] == 'Alice commented on skill "S"'
