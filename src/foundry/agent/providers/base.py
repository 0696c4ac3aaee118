"""The provider seam: a `Job` in, an `Outcome` out.

`Provider.run` is the one method every provider implements. The two remote providers share
`ModelProvider`, which renders the prompt, calls a `ModelClient` through the retry layer and
normalises the answer; only `ModelClient.complete` differs between Anthropic and OpenAI.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel

from foundry.agent.schemas.common import ResultModel

ResultT = TypeVar("ResultT", bound=ResultModel)
Tier = Literal["fast", "standard", "thorough"]

# Called with an SSE event name and its JSON payload while a job runs.
Progress = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Usage:
    """Tokens a call consumed."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True)
class Job(Generic[ResultT]):
    """One analysis: the route, its validated input and the type its output must have."""

    route: str
    request: BaseModel
    result_type: type[ResultT]
    template: str
    tier: Tier = "standard"
    thinking_budget: int = 0
    local_function: str = ""
    """`module.function` in local.algorithms (or its fallback) for the local provider."""
    local_kwargs: Mapping[str, Any] = field(default_factory=dict)
    """Keyword arguments of the local function (the request's fields, snake_case, JSON values)."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Variables the prompt needs beyond the request (e.g. sampled repository files)."""


@dataclass
class Outcome(Generic[ResultT]):
    """A validated result and what it cost."""

    result: ResultT
    model: str
    usage: Usage = field(default_factory=Usage)
    heuristic: bool = False
    confidence: float | None = None
    coercions: list[str] = field(default_factory=list)
    retries: int = 0


class Provider(Protocol):
    """Runs analysis jobs; the service holds exactly one, chosen by configuration."""

    name: str

    async def run(self, job: Job[ResultT], progress: Progress | None) -> Outcome[ResultT]:
        """Produce a validated result for `job`, reporting progress if `progress` is given."""
        ...

    async def aclose(self) -> None:
        """Release connections; the provider is not used afterwards."""
        ...


@dataclass(frozen=True)
class PromptBlock:
    """A piece of the user message; `cache` marks the end of a stable prefix worth caching."""

    text: str
    cache: bool = False


@dataclass(frozen=True)
class ModelCall:
    """A provider-neutral request to a chat model."""

    route: str
    model: str
    system: str
    blocks: tuple[PromptBlock, ...]
    schema: dict[str, Any]
    max_tokens: int
    thinking_budget: int = 0


@dataclass(frozen=True)
class ModelReply:
    """The model's raw text and usage; `truncated` when it stopped at the token limit."""

    text: str
    model: str
    usage: Usage
    truncated: bool = False


class ModelClient(Protocol):
    """One chat-completion call to a remote API, with no retries of its own."""

    async def complete(self, call: ModelCall, progress: Progress | None) -> ModelReply:
        """Send `call`; stream and report progress when `progress` is given."""
        ...

    async def aclose(self) -> None:
        """Close the underlying HTTP connections."""
        ...
