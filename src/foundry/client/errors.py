"""Errors the client raises.

ClientError
├── FunctionError        the function failed: its `AppError` message and data, or
│                        "Server Error (request id …)" for anything unexpected
├── AuthenticationError  the server refused the token
├── ConnectionLost       the connection dropped (or the client closed) while a request was in
│                        flight; the request may or may not have run
└── ProtocolMismatch     the server's messages do not fit the client's state; the client
                         reconnects on its own and callers never see this one
"""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    """Base of every error the client raises on purpose."""


class FunctionError(ClientError):
    """A query, mutation or action failed on the server.

    `message` is the function's `AppError` message (or "Server Error (request id …)", which
    hides the internal detail), and `data` its structured `errorData`.
    """

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data

    def __repr__(self) -> str:
        return f"FunctionError({self.message!r}, {self.data!r})"


class AuthenticationError(ClientError):
    """The server refused a token; `code` is its stable reason ("TokenExpired", …) when known."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ConnectionLost(ClientError):
    """The connection ended before a request was answered.

    The request was sent, so it may have run: the client does not re-send it on its own, which
    keeps a mutation from being applied twice. Retry only if the mutation is idempotent.
    """


class ProtocolMismatch(ClientError):
    """A server message did not fit the client's state (e.g. a transition from another version)."""
