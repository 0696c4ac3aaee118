"""Secrets the account system hands out, and the password hasher.

Every secret (refresh token, invitation link, API token) is drawn from `secrets` inside an action
(mutations have only a seeded generator) and stored only as its SHA-256. Passwords are hashed with
Argon2id through pwdlib, in a worker thread, because one hash costs ~0.1 s of CPU and 64 MiB.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError

from foundry.engine.errors import ArgumentError

API_TOKEN_PREFIX = "fnd_"
PASSWORD_MIN = 8
# Argon2 cost grows with input; an unbounded password would be a cheap way to burn our CPU.
PASSWORD_MAX = 256


def new_secret(prefix: str = "") -> str:
    """A fresh, URL-safe secret with 256 bits of entropy."""
    return prefix + secrets.token_urlsafe(32)


def sha256_hex(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    """Constant-time equality of two secrets (or of two hashes)."""
    return hmac.compare_digest(a.encode(), b.encode())


def check_password(password: str) -> None:
    """Raise an ArgumentError naming `password` unless its length is acceptable."""
    if len(password) < PASSWORD_MIN:
        raise ArgumentError(
            f"password must be at least {PASSWORD_MIN} characters", {"path": "password"}
        )
    if len(password) > PASSWORD_MAX:
        raise ArgumentError(
            f"password must be at most {PASSWORD_MAX} characters", {"path": "password"}
        )


@functools.cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@functools.cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


async def hash_password(password: str) -> str:
    """The Argon2id hash of `password` (random salt; call from an action)."""
    return await asyncio.to_thread(_hasher().hash, password)


async def verify_password(password: str, stored: str | None) -> tuple[bool, str | None]:
    """Whether `password` matches `stored`, and a new hash when the parameters are outdated.

    With no stored hash the password is checked against a dummy one, so an unknown email costs
    the same time as a wrong password and answers cannot be told apart.
    """
    if len(password) > PASSWORD_MAX:
        return False, None
    target = stored if stored is not None else _dummy_hash()

    def work() -> tuple[bool, str | None]:
        try:
            return _hasher().verify_and_update(password, target)
        except PwdlibError:  # an unknown stored format reads as "wrong password", not a crash
            return False, None

    valid, updated = await asyncio.to_thread(work)
    return (valid and stored is not None), updated
