"""Errors the engine raises, each with a stable code, structured data and an actionable sentence.

EngineError
├── AppError               raised on purpose by a function; reaches the client with its data
│   ├── ArgumentError      arguments or a document failed validation
│   ├── NotFoundError      an unknown function or document
│   ├── ForbiddenError     the caller may see this but not do that
│   └── AuthRequired       the function needs an identity it did not get
├── ConflictError          a mutation kept conflicting with concurrent commits
├── OverloadedError        the committer's queue is full
├── LimitExceeded          a transaction broke one of the limits in knobs.py
├── SchemaError            the schema or a migration is invalid
├── ProtocolError          a client broke the sync protocol
└── ServerError            anything unexpected, reported by request id only
"""

from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "EngineError"
    http_status = 500

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data


class AppError(EngineError):
    """An error a function raises on purpose: the client receives its message and its data."""

    code = "AppError"
    http_status = 400

    def __init__(self, message: str, data: Any = None, *, code: str | None = None) -> None:
        super().__init__(message, data)
        if code is not None:
            self.code = code


class ArgumentError(AppError):
    """A value failed validation; `data` names the path of the offending field."""

    code = "ArgumentError"


class NotFoundError(AppError):
    """An unknown function, table or document."""

    code = "NotFound"
    http_status = 404


class ForbiddenError(AppError):
    """The caller is known and may read, but this action needs a role it does not have."""

    code = "Forbidden"
    http_status = 403


class AuthRequired(AppError):
    """A function that needs a signed-in caller was called without one."""

    code = "Unauthenticated"
    http_status = 401


class ConflictError(EngineError):
    """A mutation conflicted with concurrent commits more often than the retry budget allows."""

    code = "OptimisticConcurrencyControlFailure"
    http_status = 409


class OverloadedError(EngineError):
    """The committer cannot take more work right now."""

    code = "Overloaded"
    http_status = 503


class LimitExceeded(EngineError):
    """A function broke one of the engine's limits."""

    code = "LimitExceeded"
    http_status = 400


class SchemaError(EngineError):
    """The declared schema is invalid or cannot be migrated to."""

    code = "SchemaError"


class ProtocolError(EngineError):
    """A client sent something the sync protocol does not allow."""

    code = "ProtocolError"
    http_status = 400


class ServerError(EngineError):
    """An unexpected failure; the client sees only the request id, the log has the traceback."""

    code = "ServerError"
    http_status = 500

    def __init__(self, request_id: str) -> None:
        super().__init__(f"Server Error (request id {request_id})", {"requestId": request_id})
