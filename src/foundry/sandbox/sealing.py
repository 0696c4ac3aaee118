"""Encryption at rest for the secrets a session record holds (today: the backend's hookSecret).

The key is derived with HKDF-SHA256 from the worker's own secret (SANDBOX_API_SECRET) or, when
the worker runs without one, from a random 0600 key file in its data directory. Values are
sealed with AES-256-GCM under a fresh nonce, bound to the session id as associated data, so a
sealed value copied into another session's record does not open.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger("foundry.sandbox.sealing")

_PREFIX = "v1:"
_INFO = b"foundry-sandbox session secrets v1"


class SecretBox:
    """Seals and opens short secrets with a key derived from the worker's secret."""

    def __init__(self, material: bytes) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(material)
        self._aead = AESGCM(key)

    @classmethod
    def for_worker(cls, secret: str | None, key_file: Path) -> SecretBox:
        """The box for a worker: keyed by `secret`, else by a random key kept in `key_file`."""
        if secret:
            return cls(secret.encode())
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(32))
        return cls(key_file.read_bytes())

    def seal(self, value: str, context: str) -> str:
        """`value` encrypted and authenticated, bound to `context` (the session id)."""
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, value.encode(), context.encode())
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, sealed: str, context: str) -> str | None:
        """The value `seal` was given, or None when it was sealed under another key or context."""
        if not sealed.startswith(_PREFIX):
            return None
        try:
            raw = base64.urlsafe_b64decode(sealed[len(_PREFIX) :])
            return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except (InvalidTag, ValueError):
            log.warning("a sealed session secret of %s does not open (key changed?)", context)
            return None
