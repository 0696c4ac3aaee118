"""Comments: threaded markdown discussion on any delivery entity (requirement, risk, task, …).

The raw markdown is stored as written and next to it the sanitised HTML (`model/markdown.py`),
rendered once on write so every reader shows `html` as-is. A comment lives in the program of the
entity it is on; replies (`parentId`) must be on the same entity.
"""

from __future__ import annotations

from typing import Any

from foundry.app.activity import page_size, record_activity
from foundry.app.audit import PAGE
from foundry.app.model.access import Member, get_for_member, get_in_program
from foundry.app.model.audit import record_audit
from foundry.app.model.markdown import normalize_text, render_markdown
from foundry.app.notifications import notify
from foundry.app.programs import check_text
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError, ForbiddenError
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

ENTITY_TABLES = {
    "requirement": "requirements",
    "risk": "risks",
    "task": "tasks",
    "skill": "skills",
    "gate": "sprintGates",
    "integration": "integrations",
    "document": "documents",
    "finding": "discoveryFindings",
}
ENTITY_TYPES = tuple(ENTITY_TABLES)
CONTENT_MAX = 20_000

TABLES = {
    "comments": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "entityType": v.literal(*ENTITY_TYPES),
            "entityId": v.string(),
            "authorId": v.id("users"),
            "authorName": v.string(),
            "content": v.string(),
            "html": v.string(),
            "parentId": v.optional(v.id("comments")),
            "editedAt": v.optional(v.number()),
            "deleted": v.optional(v.boolean()),
        }
    )
    # Used by `list` for one entity's discussion, oldest first.
    .index("by_entity", ["orgId", "entityType", "entityId"])
    # Used by `delete` to tell whether a comment has replies.
    .index("by_parent", ["orgId", "parentId"])
    .search_index("search", ["content"], ["orgId", "programId"]),
}


def get_entity_for_member(
    ctx: QueryCtx, entity_type: str, entity_id: str, *, write: bool = False
) -> tuple[Member, dict[str, Any]]:
    """The commented entity (access checked like any document of its table)."""
    return get_for_member(ctx, ENTITY_TABLES[entity_type], entity_id, write=write)


def label_of(entity_type: str, entity: dict[str, Any]) -> str:
    """How people name the commented entity: REQ-007 "Checkout", or its title or name."""
    name = entity.get("title") or entity.get("name") or ""
    ref = entity.get("refId")
    return f'{entity_type} {ref} "{name}"' if ref else f'{entity_type} "{name}"'


def check_content(content: str) -> str:
    """The normalised content; an ArgumentError when it is empty or too long."""
    content = normalize_text(content)
    check_text("content", content, CONTENT_MAX, required=True)
    return content


def has_comments(ctx: QueryCtx, org_id: str, entity_type: str, entity_id: str) -> bool:
    """Whether anyone has commented on the entity."""
    first = (
        ctx.db.query("comments")
        .with_index(
            "by_entity",
            lambda q: q.eq("orgId", org_id).eq("entityType", entity_type).eq("entityId", entity_id),
        )
        .first()
    )
    return first is not None


@mutation(
    args={
        "entityType": v.literal(*ENTITY_TYPES),
        "entityId": v.string(),
        "content": v.string(),
        "parentId": v.optional(v.id("comments")),
    }
)
def create(
    ctx: MutationCtx, entityType: str, entityId: str, content: str, parentId: str | None = None
) -> str:
    """Comment on an entity, or reply to a comment on it (the parent's author is notified)."""
    member, entity = get_entity_for_member(ctx, entityType, entityId, write=True)
    content = check_content(content)
    program_ref = {"_id": entity["programId"], "orgId": entity["orgId"]}
    parent = None
    if parentId is not None:
        parent = get_in_program(ctx, "comments", parentId, program_ref, "parentId")
        if parent["entityType"] != entityType or parent["entityId"] != entityId:
            raise ArgumentError("parentId is a comment on another entity", {"path": "parentId"})
    row: dict[str, Any] = {
        "orgId": entity["orgId"],
        "programId": entity["programId"],
        "entityType": entityType,
        "entityId": entityId,
        "authorId": member.user_id,
        "authorName": member.user_name,
        "content": content,
        "html": render_markdown(content),
    }
    if parentId is not None:
        row["parentId"] = parentId
    comment_id = ctx.db.insert("comments", row)
    record_audit(
        ctx,
        member,
        program_id=entity["programId"],
        entity_type="comment",
        entity_id=comment_id,
        action="create",
        description=f"Commented on {label_of(entityType, entity)}",
        after={k: val for k, val in row.items() if k != "html"},
    )
    record_activity(
        ctx,
        member,
        entity["programId"],
        "comment_added",
        f"{member.user_name} commented on {label_of(entityType, entity)}",
        entityType,
        entityId,
    )
    if parent is not None and parent["authorId"] != member.user_id and not parent.get("deleted"):
        notify(
            ctx,
            entity["orgId"],
            parent["authorId"],
            "comment_reply",
            f"{member.user_name} replied to your comment",
            content[:300],
            entity=(entityType, entityId),
            program_id=entity["programId"],
        )
    return comment_id


@mutation(args={"commentId": v.id("comments"), "content": v.string()})
def update(ctx: MutationCtx, commentId: str, content: str) -> None:
    """Edit one of your own comments."""
    member, comment = get_for_member(ctx, "comments", commentId, write=True)
    if comment["authorId"] != member.user_id:
        raise ForbiddenError("You can only edit your own comments.", {"commentId": commentId})
    if comment.get("deleted"):
        raise ArgumentError("this comment was deleted", {"path": "commentId"})
    content = check_content(content)
    changes = {"content": content, "html": render_markdown(content), "editedAt": ctx.now_ms}
    ctx.db.patch(commentId, changes)
    record_audit(
        ctx,
        member,
        program_id=comment["programId"],
        entity_type="comment",
        entity_id=commentId,
        action="update",
        description=f"Edited a comment on {comment['entityType']} {comment['entityId']}",
        before={"content": comment["content"]},
        after={"content": content},
    )


@mutation(args={"commentId": v.id("comments")})
def delete(ctx: MutationCtx, commentId: str) -> None:
    """Delete a comment (your own, or any as an admin); one with replies leaves a placeholder."""
    member, comment = get_for_member(ctx, "comments", commentId, write=True)
    if comment["authorId"] != member.user_id and not member.is_admin:
        raise ForbiddenError(
            "You can only delete your own comments; admins can delete any.",
            {"commentId": commentId},
        )
    reply = (
        ctx.db.query("comments")
        .with_index(
            "by_parent", lambda q: q.eq("orgId", comment["orgId"]).eq("parentId", commentId)
        )
        .first()
    )
    if reply is not None:
        # Keep the node so the thread under it still hangs together.
        ctx.db.patch(commentId, {"content": "", "html": "", "deleted": True})
    else:
        ctx.db.delete(commentId)
    record_audit(
        ctx,
        member,
        program_id=comment["programId"],
        entity_type="comment",
        entity_id=commentId,
        action="delete",
        description=f"Deleted a comment on {comment['entityType']} {comment['entityId']}",
        before={"content": comment["content"], "authorId": comment["authorId"]},
    )


@query(args={"entityType": v.literal(*ENTITY_TYPES), "entityId": v.string(), **PAGE})
def list(
    ctx: QueryCtx, entityType: str, entityId: str, numItems: float, cursor: str | None = None
) -> Any:
    """An entity's comments, oldest first (build threads from `parentId`); show `html`."""
    _, entity = get_entity_for_member(ctx, entityType, entityId)
    return (
        ctx.db.query("comments")
        .with_index(
            "by_entity",
            lambda q: (
                q.eq("orgId", entity["orgId"]).eq("entityType", entityType).eq("entityId", entityId)
            ),
        )
        .paginate(cursor, page_size(numItems))
    )
