"""Request bodies of the sandbox API (the reference's shapes; unknown fields are ignored)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from foundry.sandbox import knobs

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_BRANCH = re.compile(r"^(?!/|.*\.\.|.*//|.*@\{|.*\.lock$)[A-Za-z0-9._/-]{1,200}(?<![./])$")


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class McpServer(_Body):
    package: str = Field(pattern=r"^[@A-Za-z0-9][@A-Za-z0-9._/-]*$")
    args: list[str] = []
    env: dict[str, str] = {}


class CreateSandbox(_Body):
    """POST /sandbox/create."""

    sandboxId: str | None = None
    orgId: str | None = None
    repoUrl: str
    branch: str
    worktreeBranch: str
    githubToken: str | None = None
    installCommand: str | None = None
    ttlMinutes: float | None = None
    editorType: Literal["monaco", "codemirror", "none"] | None = None
    authProvider: Literal["anthropic", "bedrock", "vertex", "azure"] | None = None
    presetId: str | None = None
    anthropicApiKey: str | None = None
    mcpServers: list[McpServer] = []
    designFiles: dict[str, str] = {}
    keepAlive: bool | None = None
    sleepAfter: str | None = None
    callbackUrl: str | None = None
    hookSecret: str | None = None
    budgetUsd: float | None = Field(default=None, gt=0)
    maxTokens: int | None = Field(default=None, gt=0)

    @field_validator("sandboxId")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value is not None and not _ID.match(value):
            raise ValueError("sandboxId must be 1-128 letters, digits, '.', '_' or '-'")
        return value

    @field_validator("branch", "worktreeBranch")
    @classmethod
    def _branch(cls, value: str) -> str:
        if not _BRANCH.match(value):
            raise ValueError(f"not a valid branch name: {value!r}")
        return value

    @field_validator("repoUrl")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^(https?|file|ssh|git)://", value) or value.startswith("-"):
            raise ValueError("repoUrl must be an http(s), ssh, git or file URL")
        return value

    @field_validator("callbackUrl")
    @classmethod
    def _callback(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://", value):
            raise ValueError("callbackUrl must be an http(s) URL")
        return value

    def ttl(self) -> int:
        """ttlMinutes clamped to the allowed range (default when absent)."""
        if self.ttlMinutes is None:
            return knobs.TTL_DEFAULT_MINUTES
        return int(min(max(self.ttlMinutes, knobs.TTL_MIN_MINUTES), knobs.TTL_MAX_MINUTES))


class Execute(_Body):
    """POST /sandbox/:id/execute."""

    taskPrompt: str = Field(min_length=1)
    timeoutMs: int = Field(default_factory=lambda: knobs.EXECUTE_TIMEOUT_MS, gt=0)
    runner: str | None = None
    runnerConfig: dict[str, Any] = {}
    model: str | None = None
    anthropicApiKey: str | None = None
    workingDirectory: str | None = None
    convexUrl: str | None = None
    hookSecret: str | None = None
    interactive: bool | None = None
    systemPromptAppend: str | None = None


class WriteFile(_Body):
    """POST /sandbox/:id/fs/write."""

    path: str = Field(min_length=1)
    content: str


class Message(_Body):
    """POST /sandbox/:id/message."""

    content: str = Field(min_length=1)


class Finalize(_Body):
    """POST /sandbox/:id/stop (the reference's finalize)."""

    commitMessage: str | None = None
    push: bool = True
