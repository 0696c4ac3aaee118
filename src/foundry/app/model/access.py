"""Tenancy: the one mediated path from a caller to the documents of their organisation.

Domain code obtains tenant documents only through these helpers:

    member = assert_org_access(ctx, org_id)                      # reading the organisation
    member, program = get_program_for_member(ctx, program_id, write=True)
    member, task = get_for_member(ctx, "tasks", task_id, write=True)

"Does not exist" and "not yours" raise the same error, so ids reveal nothing. Memberships are read
through the transaction like any other data, so removing a member re-runs (and ends) their live
queries at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from foundry.engine.context import QueryCtx
from foundry.engine.errors import ArgumentError, AuthRequired, ForbiddenError, NotFoundError

NOT_FOUND = "Not found, or you do not have access to it."


@dataclass(frozen=True)
class Member:
    """A signed-in user acting inside one organisation."""

    user_id: str
    user_name: str
    org_id: str
    org_role: str
    program_role: str | None = None

    @property
    def is_admin(self) -> bool:
        """Whether the user administers the organisation."""
        return self.org_role == "admin"

    @property
    def read_only(self) -> bool:
        """Clients, at either level, can read but not change."""
        return self.org_role == "client" or self.program_role == "client"


def not_found(kind: str, doc_id: Any) -> NotFoundError:
    """The single error for a missing document and for one the caller may not see."""
    return NotFoundError(NOT_FOUND, {"kind": kind, "id": doc_id})


def current_user(ctx: QueryCtx) -> dict[str, Any]:
    """The caller's user document; AuthRequired when there is none."""
    identity = ctx.auth.get_user_identity()
    if identity is None:
        raise AuthRequired("Sign in to do this.")
    user = (
        ctx.db.query("users")
        .with_index(
            "by_token_identifier", lambda q: q.eq("tokenIdentifier", identity.token_identifier)
        )
        .unique()
    )
    if user is None:
        raise AuthRequired("No account matches this sign-in; sign up first.")
    if user.get("disabled"):
        raise AuthRequired("This account is disabled.")
    return user


def assert_org_access(
    ctx: QueryCtx, org_id: Any, *, write: bool = False, admin: bool = False
) -> Member:
    """The caller as a member of `org_id`; raises unless they belong to it (and may write)."""
    user = current_user(ctx)
    if not isinstance(org_id, str) or ctx.db.normalize_id("organizations", org_id) is None:
        raise not_found("organization", org_id)
    membership = (
        ctx.db.query("memberships")
        .with_index("by_org_user", lambda q: q.eq("orgId", org_id).eq("userId", user["_id"]))
        .unique()
    )
    if membership is None:
        raise not_found("organization", org_id)
    member = Member(user["_id"], user["name"], org_id, membership["role"])
    if admin and not member.is_admin:
        raise ForbiddenError("Only organisation admins can do this.", {"orgId": org_id})
    if write and member.read_only:
        raise ForbiddenError(
            "Clients can read this organisation but not change it.", {"orgId": org_id}
        )
    return member


def get_program_for_member(
    ctx: QueryCtx, program_id: Any, *, write: bool = False
) -> tuple[Member, dict[str, Any]]:
    """A program the caller's organisation owns, and the caller as a member of it."""
    program = _get(ctx, "programs", program_id)
    if program is None:
        raise not_found("program", program_id)
    try:
        member = assert_org_access(ctx, program["orgId"])
    except NotFoundError:
        raise not_found("program", program_id) from None
    team = (
        ctx.db.query("teamMembers")
        .with_index(
            "by_program_user",
            lambda q: (
                q.eq("orgId", member.org_id)
                .eq("programId", program_id)
                .eq("userId", member.user_id)
            ),
        )
        .unique()
    )
    if team is not None:
        member = Member(
            member.user_id, member.user_name, member.org_id, member.org_role, team["role"]
        )
    if write and member.read_only:
        raise ForbiddenError(
            "Clients can read this program but not change it.", {"programId": program_id}
        )
    return member, program


def get_for_member(
    ctx: QueryCtx, table: str, doc_id: Any, *, write: bool = False
) -> tuple[Member, dict[str, Any]]:
    """A document of `table` in the caller's organisation (and program, when it has one)."""
    doc = _get(ctx, table, doc_id)
    if doc is None:
        raise not_found(table, doc_id)
    try:
        if doc.get("programId") is not None:
            member, _ = get_program_for_member(ctx, doc["programId"], write=write)
        else:
            member = assert_org_access(ctx, doc["orgId"], write=write)
    except NotFoundError:
        raise not_found(table, doc_id) from None
    return member, doc


def _get(ctx: QueryCtx, table: str, doc_id: Any) -> dict[str, Any] | None:
    if not isinstance(doc_id, str) or ctx.db.normalize_id(table, doc_id) is None:
        return None
    return ctx.db.get(doc_id)


def get_in_program(
    ctx: QueryCtx, table: str, doc_id: Any, program: dict[str, Any], field: str
) -> dict[str, Any]:
    """A document of `table` that `field` refers to, which must belong to the same program.

    Raises an ArgumentError naming `field` for an unknown id or one from another program or
    organisation, so references never cross tenants.
    """
    doc = _get(ctx, table, doc_id)
    if (
        doc is None
        or doc.get("orgId") != program["orgId"]
        or doc.get("programId") != program["_id"]
    ):
        raise ArgumentError(
            f"{field} does not refer to a {table} row of this program", {"path": field}
        )
    return doc
