"""Organisation roles named by outside identity providers, mapped onto ours.

Clerk names roles `org:admin` and `org:member`; other providers use bare names. A role we do not
know maps to `client` (read-only): an unexpected custom role should never grant write access.
"""

from __future__ import annotations

_ROLE_MAP = {
    "admin": "admin",
    "owner": "admin",
    "member": "member",
    "basic_member": "member",
    "client": "client",
    "guest": "client",
    "viewer": "client",
}


def role_from_claim(role: str | None) -> str:
    """Our role for a provider's role name (`org:admin` → admin); `member` when none is given."""
    if role is None or not role.strip():
        return "member"
    name = role.strip().lower().removeprefix("org:")
    return _ROLE_MAP.get(name, "client")
