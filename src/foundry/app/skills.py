"""Skills: versioned markdown guidance that agents receive for a domain of a program.

Every content change appends a `skillVersions` row; `currentVersion` is the number of the newest
one as a string ("1", "2", …): versions are a linear history, so integers say everything semver
would and compare without parsing. Programs start from the built-in templates
(`skill_templates/`) with `fork_template`.
"""

from __future__ import annotations

import builtins
import difflib
from typing import Any

from foundry.app.activity import page_size, record_activity
from foundry.app.audit import PAGE
from foundry.app.model.access import (
    Member,
    get_for_member,
    get_in_program,
    get_program_for_member,
)
from foundry.app.model.audit import record_audit
from foundry.app.model.markdown import normalize_text
from foundry.app.model.stats import adjust, status_move
from foundry.app.programs import check_text
from foundry.app.skill_templates import DOMAINS, TEMPLATES
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import internal_mutation, mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

PLATFORMS = (
    "salesforce_b2b",
    "bigcommerce_b2b",
    "sitecore",
    "wordpress",
    "none",
    "platform_agnostic",
)
STATUSES = ("draft", "active", "deprecated")
STATUS_MOVES = {
    "draft": {"active", "deprecated"},
    "active": {"draft", "deprecated"},
    "deprecated": {"draft", "active"},
}
NAME_MAX = 200
CONTENT_MAX = 100_000
MESSAGE_MAX = 500
DIFF_MAX_LINES = 3_000
PURGE_BATCH = 500
LINKS = v.array(v.id("requirements"), max_length=200)

TABLES = {
    "skills": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "name": v.string(),
            "domain": v.literal(*DOMAINS),
            "targetPlatform": v.literal(*PLATFORMS),
            "content": v.string(),
            "currentVersion": v.string(),
            "lineCount": v.number(),
            "status": v.literal(*STATUSES),
            "linkedRequirements": v.optional(LINKS),
            "templateKey": v.optional(v.string()),
        }
    )
    # Used by `list` for a program's skills.
    .index("by_program", ["orgId", "programId"])
    # Used by `list(domain)`.
    .index("by_domain", ["orgId", "programId", "domain"])
    .search_index("search", ["name", "content"], ["orgId", "programId"]),
    "skillVersions": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "skillId": v.id("skills"),
            "version": v.string(),
            "number": v.number(),
            "content": v.string(),
            "lineCount": v.number(),
            "authorId": v.id("users"),
            "authorName": v.string(),
            "message": v.optional(v.string()),
        }
    )
    # Used by `versions` (history in version order), `get_version`, `diff` and deletes.
    .index("by_skill", ["orgId", "skillId", "number"]),
}

SUMMARY_FIELDS = ("content",)


def line_count(content: str) -> int:
    """Lines of text in `content`."""
    return len(content.splitlines())


def summary(skill: dict[str, Any]) -> dict[str, Any]:
    """A skill without its content, for lists."""
    return {k: val for k, val in skill.items() if k not in SUMMARY_FIELDS}


def check_skill_fields(ctx: QueryCtx, program: dict[str, Any], fields: dict[str, Any]) -> None:
    """Validate names, content, message and requirement links (same program only)."""
    check_text("name", fields.get("name"), NAME_MAX, required="name" in fields)
    check_text("content", fields.get("content"), CONTENT_MAX)
    check_text("message", fields.get("message"), MESSAGE_MAX)
    for i, req_id in enumerate(fields.get("linkedRequirements") or []):
        get_in_program(ctx, "requirements", req_id, program, f"linkedRequirements[{i}]")


def do_add_version(
    ctx: MutationCtx, member: Member, skill: dict[str, Any], content: str, message: str | None
) -> str:
    """Append version n+1 with `content` and make it current; returns the new version."""
    version = str(int(skill["currentVersion"]) + 1) if skill.get("currentVersion") else "1"
    row: dict[str, Any] = {
        "orgId": skill["orgId"],
        "programId": skill["programId"],
        "skillId": skill["_id"],
        "version": version,
        "number": int(version),
        "content": content,
        "lineCount": line_count(content),
        "authorId": member.user_id,
        "authorName": member.user_name,
    }
    if message:
        row["message"] = message
    ctx.db.insert("skillVersions", row)
    ctx.db.patch(
        skill["_id"],
        {"content": content, "lineCount": row["lineCount"], "currentVersion": version},
    )
    return version


def do_create_skill(
    ctx: MutationCtx,
    member: Member,
    program: dict[str, Any],
    fields: dict[str, Any],
    message: str | None = None,
) -> str:
    """Insert a skill with version 1, audit it and count it (fields already checked)."""
    content = normalize_text(fields.pop("content"))
    if fields.get("linkedRequirements"):
        fields["linkedRequirements"] = [*dict.fromkeys(fields["linkedRequirements"])]
    doc = {
        "orgId": program["orgId"],
        "programId": program["_id"],
        "targetPlatform": "platform_agnostic",
        "status": "draft",
        **fields,
        "content": content,
        "lineCount": line_count(content),
        "currentVersion": "1",
    }
    skill_id = ctx.db.insert("skills", doc)
    ctx.db.insert(
        "skillVersions",
        {
            "orgId": doc["orgId"],
            "programId": doc["programId"],
            "skillId": skill_id,
            "version": "1",
            "number": 1,
            "content": content,
            "lineCount": doc["lineCount"],
            "authorId": member.user_id,
            "authorName": member.user_name,
            **({"message": message} if message else {}),
        },
    )
    adjust(ctx, doc["orgId"], doc["programId"], status_move("skills", None, doc["status"]))
    record_audit(
        ctx,
        member,
        program_id=program["_id"],
        entity_type="skill",
        entity_id=skill_id,
        action="create",
        description=f"Created skill {doc['name']}",
        after=summary(doc),
    )
    message_text = f"{member.user_name} created skill {doc['name']}"
    record_activity(ctx, member, program["_id"], "skill_created", message_text, "skill", skill_id)
    return skill_id


@mutation(
    args={
        "programId": v.id("programs"),
        "name": v.string(),
        "domain": v.literal(*DOMAINS),
        "content": v.string(),
        "targetPlatform": v.optional(v.literal(*PLATFORMS)),
        "status": v.optional(v.literal(*STATUSES)),
        "linkedRequirements": v.optional(LINKS),
        "message": v.optional(v.string()),
    }
)
def create(ctx: MutationCtx, programId: str, message: str | None = None, **fields: Any) -> str:
    """Create a skill in a program (its content becomes version 1)."""
    member, program = get_program_for_member(ctx, programId, write=True)
    check_skill_fields(ctx, program, {**fields, "message": message})
    fields = {k: val for k, val in fields.items() if val is not None}
    return do_create_skill(ctx, member, program, fields, message)


@query(args={"programId": v.id("programs")})
def templates(ctx: QueryCtx, programId: str) -> builtins.list[dict[str, Any]]:
    """The built-in templates a program can fork."""
    get_program_for_member(ctx, programId)
    return [
        {
            "key": t.key,
            "name": t.name,
            "domain": t.domain,
            "description": t.description,
            "lineCount": t.line_count,
            "content": t.content,
        }
        for t in TEMPLATES.values()
    ]


@mutation(
    args={"programId": v.id("programs"), "templateKey": v.string(), "name": v.optional(v.string())}
)
def fork_template(
    ctx: MutationCtx, programId: str, templateKey: str, name: str | None = None
) -> str:
    """Create a program skill (version 1, draft) from a built-in template."""
    member, program = get_program_for_member(ctx, programId, write=True)
    template = TEMPLATES.get(templateKey)
    if template is None:
        raise ArgumentError(
            f"templateKey: expected one of {sorted(TEMPLATES)}, got {templateKey!r}",
            {"path": "templateKey"},
        )
    fields = {
        "name": name if name is not None else template.name,
        "domain": template.domain,
        "content": template.content,
        "templateKey": template.key,
    }
    check_skill_fields(ctx, program, fields)
    return do_create_skill(ctx, member, program, fields, f"Forked from template {template.key}")


@mutation(
    args={
        "skillId": v.id("skills"),
        "name": v.optional(v.string()),
        "domain": v.optional(v.literal(*DOMAINS)),
        "targetPlatform": v.optional(v.literal(*PLATFORMS)),
        "linkedRequirements": v.optional(LINKS),
    }
)
def update(ctx: MutationCtx, skillId: str, **fields: Any) -> None:
    """Change a skill's details (not its content: see `update_content`)."""
    member, skill = get_for_member(ctx, "skills", skillId, write=True)
    program = ctx.db.get(skill["programId"]) or {}
    check_skill_fields(ctx, program, fields)
    changes = {k: val for k, val in fields.items() if val is not None}
    if "linkedRequirements" in changes:
        changes["linkedRequirements"] = [*dict.fromkeys(changes["linkedRequirements"])]
    ctx.db.patch(skillId, changes)
    after = {**skill, **changes}
    record_audit(
        ctx,
        member,
        program_id=skill["programId"],
        entity_type="skill",
        entity_id=skillId,
        action="update",
        description=f"Updated skill {after['name']}",
        before=summary(skill),
        after=summary(after),
    )


@mutation(
    args={
        "skillId": v.id("skills"),
        "content": v.string(),
        "message": v.optional(v.string()),
        "expectedVersion": v.optional(v.string()),
    }
)
def update_content(
    ctx: MutationCtx,
    skillId: str,
    content: str,
    message: str | None = None,
    expectedVersion: str | None = None,
) -> str:
    """Save new content as the next version; returns the current version afterwards.

    With `expectedVersion`, refuses when someone saved another version since the editor loaded
    it. Unchanged content creates no version.
    """
    member, skill = get_for_member(ctx, "skills", skillId, write=True)
    check_text("content", content, CONTENT_MAX)
    check_text("message", message, MESSAGE_MAX)
    if expectedVersion is not None and expectedVersion != skill["currentVersion"]:
        raise ArgumentError(
            f"expectedVersion: the skill is at version {skill['currentVersion']}, not "
            f"{expectedVersion}; reload it and merge your changes",
            {"path": "expectedVersion", "currentVersion": skill["currentVersion"]},
        )
    content = normalize_text(content)
    if content == skill["content"]:
        return str(skill["currentVersion"])
    version = do_add_version(ctx, member, skill, content, message)
    record_audit(
        ctx,
        member,
        program_id=skill["programId"],
        entity_type="skill",
        entity_id=skillId,
        action="update",
        description=f"Skill {skill['name']}: version {version}"
        + (f" ({message})" if message else ""),
        before={"currentVersion": skill["currentVersion"]},
        after={"currentVersion": version},
    )
    text = f"{member.user_name} saved version {version} of {skill['name']}"
    record_activity(ctx, member, skill["programId"], "skill_version", text, "skill", skillId)
    return version


@mutation(args={"skillId": v.id("skills"), "version": v.string()})
def restore_version(ctx: MutationCtx, skillId: str, version: str) -> str:
    """Make an old version's content current again, as a new version."""
    member, skill = get_for_member(ctx, "skills", skillId, write=True)
    old = _version(ctx, skill, version, "version")
    if old["content"] == skill["content"]:
        return str(skill["currentVersion"])
    new_version = do_add_version(ctx, member, skill, old["content"], f"Restored version {version}")
    record_audit(
        ctx,
        member,
        program_id=skill["programId"],
        entity_type="skill",
        entity_id=skillId,
        action="update",
        description=f"Skill {skill['name']}: restored version {version} as {new_version}",
        before={"currentVersion": skill["currentVersion"]},
        after={"currentVersion": new_version},
    )
    return new_version


@mutation(args={"skillId": v.id("skills"), "status": v.literal(*STATUSES)})
def set_status(ctx: MutationCtx, skillId: str, status: str) -> None:
    """Move a skill between draft, active and deprecated."""
    member, skill = get_for_member(ctx, "skills", skillId, write=True)
    current = skill["status"]
    if status not in STATUS_MOVES[current]:
        raise ArgumentError(
            f"status: expected one of {sorted(STATUS_MOVES[current])} from {current!r}, "
            f"got {status!r}",
            {"path": "status", "from": current},
        )
    ctx.db.patch(skillId, {"status": status})
    adjust(ctx, skill["orgId"], skill["programId"], status_move("skills", current, status))
    record_audit(
        ctx,
        member,
        program_id=skill["programId"],
        entity_type="skill",
        entity_id=skillId,
        action="status_change",
        description=f"Skill {skill['name']}: {current} → {status}",
        before={"status": current},
        after={"status": status},
    )


@mutation(args={"skillId": v.id("skills")})
def delete(ctx: MutationCtx, skillId: str) -> None:
    """Delete a skill and (in batches) its version history."""
    member, skill = get_for_member(ctx, "skills", skillId, write=True)
    ctx.db.delete(skillId)
    adjust(ctx, skill["orgId"], skill["programId"], status_move("skills", skill["status"], None))
    record_audit(
        ctx,
        member,
        program_id=skill["programId"],
        entity_type="skill",
        entity_id=skillId,
        action="delete",
        description=f"Deleted skill {skill['name']}",
        before=summary(skill),
    )
    do_purge_versions(ctx, skill["orgId"], skillId)


def do_purge_versions(ctx: MutationCtx, org_id: str, skill_id: str) -> None:
    """Delete up to PURGE_BATCH versions of a deleted skill; schedule the rest."""
    rows = (
        ctx.db.query("skillVersions")
        .with_index("by_skill", lambda q: q.eq("orgId", org_id).eq("skillId", skill_id))
        .take(PURGE_BATCH + 1)
    )
    for row in rows[:PURGE_BATCH]:
        ctx.db.delete(row["_id"])
    if len(rows) > PURGE_BATCH:
        ctx.scheduler.run_after(0, "skills:purge_versions", {"orgId": org_id, "skillId": skill_id})


@internal_mutation(args={"orgId": v.id("organizations"), "skillId": v.id("skills")})
def purge_versions(ctx: MutationCtx, orgId: str, skillId: str) -> None:
    """The next batch of a deleted skill's versions."""
    do_purge_versions(ctx, orgId, skillId)


@query(
    args={
        "programId": v.id("programs"),
        "domain": v.optional(v.literal(*DOMAINS)),
        "status": v.optional(v.literal(*STATUSES)),
        **PAGE,
    }
)
def list(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    domain: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
) -> Any:
    """A program's skills (without content), optionally of one domain and status."""
    _, program = get_program_for_member(ctx, programId)
    org_id = program["orgId"]
    if domain is None:
        q = ctx.db.query("skills").with_index(
            "by_program", lambda r: r.eq("orgId", org_id).eq("programId", programId)
        )
    else:
        q = ctx.db.query("skills").with_index(
            "by_domain",
            lambda r: r.eq("orgId", org_id).eq("programId", programId).eq("domain", domain),
        )
    if status is not None:
        q = q.filter(lambda d: d["status"] == status)
    result = q.paginate(cursor, page_size(numItems))
    return {**result, "page": [summary(s) for s in result["page"]]}


@query(args={"skillId": v.id("skills")})
def get(ctx: QueryCtx, skillId: str) -> Any:
    """One skill with its current content."""
    _, skill = get_for_member(ctx, "skills", skillId)
    return skill


@query(args={"skillId": v.id("skills"), **PAGE})
def versions(ctx: QueryCtx, skillId: str, numItems: float, cursor: str | None = None) -> Any:
    """A skill's version history, newest first (without content)."""
    _, skill = get_for_member(ctx, "skills", skillId)
    result = (
        ctx.db.query("skillVersions")
        .with_index("by_skill", lambda q: q.eq("orgId", skill["orgId"]).eq("skillId", skillId))
        .order("desc")
        .paginate(cursor, page_size(numItems))
    )
    return {**result, "page": [summary(row) for row in result["page"]]}


def _version(ctx: QueryCtx, skill: dict[str, Any], version: str, field: str) -> dict[str, Any]:
    row = None
    if version.isdigit() and len(version) < 10:
        row = (
            ctx.db.query("skillVersions")
            .with_index(
                "by_skill",
                lambda q: (
                    q.eq("orgId", skill["orgId"])
                    .eq("skillId", skill["_id"])
                    .eq("number", int(version))
                ),
            )
            .first()
        )
    if row is None:
        raise ArgumentError(f"{field}: skill has no version {version!r}", {"path": field})
    return row


@query(args={"skillId": v.id("skills"), "version": v.string()})
def get_version(ctx: QueryCtx, skillId: str, version: str) -> Any:
    """One version of a skill, with its content."""
    _, skill = get_for_member(ctx, "skills", skillId)
    return _version(ctx, skill, version, "version")


@query(args={"skillId": v.id("skills"), "fromVersion": v.string(), "toVersion": v.string()})
def diff(ctx: QueryCtx, skillId: str, fromVersion: str, toVersion: str) -> dict[str, Any]:
    """A unified diff between two versions (cut at DIFF_MAX_LINES lines), with line counts."""
    _, skill = get_for_member(ctx, "skills", skillId)
    old = _version(ctx, skill, fromVersion, "fromVersion")
    new = _version(ctx, skill, toVersion, "toVersion")
    lines = difflib.unified_diff(
        old["content"].splitlines(),
        new["content"].splitlines(),
        fromfile=f"v{fromVersion}",
        tofile=f"v{toVersion}",
        lineterm="",
    )
    out: builtins.list[str] = []
    added = removed = 0
    truncated = False
    for line in lines:
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
        if len(out) < DIFF_MAX_LINES:
            out.append(line + "\n")
        else:
            truncated = True
    return {"diff": "".join(out), "added": added, "removed": removed, "truncated": truncated}
