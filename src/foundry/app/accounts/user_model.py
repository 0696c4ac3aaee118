"""Helpers over user documents shared by the account modules: lookups, validation, views."""

from __future__ import annotations

import re
from typing import Any

from foundry.app.model.access import not_found
from foundry.engine.context import QueryCtx
from foundry.engine.errors import ArgumentError

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_MAX = 254
NAME_MAX = 200


def normalize_email(email: str) -> str:
    """The stored form of an email (trimmed, lowercase); an ArgumentError naming `email`."""
    email = email.strip().lower()
    if len(email) > EMAIL_MAX or not EMAIL.match(email):
        raise ArgumentError("email is not a valid email address", {"path": "email"})
    return email


def check_name(name: str) -> str:
    """The trimmed display name; an ArgumentError naming `name`."""
    name = name.strip()
    if not name:
        raise ArgumentError("name must not be empty", {"path": "name"})
    if len(name) > NAME_MAX:
        raise ArgumentError(f"name is longer than {NAME_MAX} characters", {"path": "name"})
    return name


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    """What a user may see of their own account (never the password hash)."""
    fields = ("_id", "email", "name", "avatarUrl", "activeOrgId")
    return {key: user[key] for key in fields if user.get(key) is not None}


def must_get(ctx: QueryCtx, doc_id: str) -> dict[str, Any]:
    """A document this transaction knows exists (NotFoundError otherwise)."""
    doc = ctx.db.get(doc_id)
    if doc is None:
        raise not_found("document", doc_id)
    return doc


def user_by_email(ctx: QueryCtx, email: str) -> dict[str, Any] | None:
    """The user with this (normalised) email, if any."""
    return ctx.db.query("users").with_index("by_email", lambda q: q.eq("email", email)).first()


def user_by_token_identifier(ctx: QueryCtx, token_identifier: str) -> dict[str, Any] | None:
    """The user who signs in with this `"<issuer>|<subject>"`, if any."""
    return (
        ctx.db.query("users")
        .with_index("by_token_identifier", lambda q: q.eq("tokenIdentifier", token_identifier))
        .first()
    )
