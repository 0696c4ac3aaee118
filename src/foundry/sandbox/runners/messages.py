"""The conversation, typed: user turns (text and tool results) alternate with assistant turns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ToolCall:
    """One tool invocation the model asked for."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    """What a tool returned, answering the call with the same id."""

    call_id: str
    output: str
    is_error: bool = False


@dataclass(frozen=True)
class UserTurn:
    """The user side of the conversation: tool results first, then any text (task, chat, notes)."""

    texts: tuple[str, ...] = ()
    results: tuple[ToolResult, ...] = ()

    def with_text(self, text: str) -> UserTurn:
        """This turn with `text` appended (keeps user and assistant turns alternating)."""
        return UserTurn((*self.texts, text), self.results)


@dataclass(frozen=True)
class AssistantTurn:
    """The model's reply: optional prose and the tool calls it makes."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()


Turn = UserTurn | AssistantTurn


@dataclass(frozen=True)
class ModelReply:
    """One answer from the model and what it cost in tokens."""

    turn: AssistantTurn
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class ToolSpec:
    """A tool as offered to the model: its name, what it does, and a JSON schema of its input."""

    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)
