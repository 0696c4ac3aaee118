"""The builtin agent loop, after mini-swe-agent's `DefaultAgent`: run → step → query → execute.

Limits are checked before every model call; the only non-local exits are InterruptAgentFlow
subclasses; progress is logged after every step; chat messages join the conversation between steps.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from foundry.sandbox.runner_protocol import RunContext
from foundry.sandbox.runners import knobs
from foundry.sandbox.runners.exceptions import (
    FormatError,
    InterruptAgentFlow,
    LimitsExceeded,
    LoopDetected,
    Stopped,
)
from foundry.sandbox.runners.messages import AssistantTurn, ToolResult, Turn, UserTurn
from foundry.sandbox.runners.models import Model
from foundry.sandbox.runners.tools import TOOLS, Toolbox, summarize

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "prompts"),
    undefined=StrictUndefined,
    keep_trailing_newline=False,
    autoescape=False,
)


def render(name: str, **variables: Any) -> str:
    """Render prompts/<name>.j2; a missing variable is an error (StrictUndefined)."""
    return _TEMPLATES.get_template(f"{name}.j2").render(**variables).strip()


@dataclass(frozen=True)
class Limits:
    """Caps checked before every model call."""

    max_turns: int = knobs.MAX_TURNS
    max_tokens: int = knobs.MAX_TOKENS
    max_wall_s: float = knobs.MAX_WALL_S
    loop_repeats: int = knobs.LOOP_REPEATS
    max_format_errors: int = knobs.MAX_FORMAT_ERRORS


class Agent:
    """One run of the builtin agent over a model, a toolbox and a run context."""

    def __init__(self, ctx: RunContext, model: Model, toolbox: Toolbox, limits: Limits) -> None:
        self.ctx, self.model, self.toolbox, self.limits = ctx, model, toolbox, limits
        self.turns: list[Turn] = []
        self.system = ""
        self.calls = self.tokens = self.format_errors = 0
        self.actions: list[str] = []
        self.started = time.monotonic()

    async def run(self, task: str) -> InterruptAgentFlow:
        """Work on `task` until an exit; returns the exit (Submitted means success)."""
        workdir = getattr(self.ctx.runtime, "workdir", None) or str(self.ctx.workspace)
        self.system = render("system", workdir=workdir)
        self.turns = [UserTurn((render("task", task=task),))]
        while True:
            try:
                await self.step()
            except FormatError as error:
                self.format_errors += 1
                await self.ctx.log(f"Format error: {error.message}", stream="error")
                if self.format_errors >= self.limits.max_format_errors:
                    return LimitsExceeded(f"{self.format_errors} malformed model replies in a row")
                self.add_user_text(render("format_error", error=error.message))
            except InterruptAgentFlow as exit_:
                return exit_

    async def step(self) -> None:
        """Deliver chat, check limits, ask the model, run its tool calls, log progress."""
        await self.deliver_chat()
        self.check_limits()
        turn = await self.query()
        results = await self.execute(turn)
        self.format_errors = 0
        self.turns.append(UserTurn((), tuple(results)))
        await self.ctx.log(f"Step {self.calls} done | {self.tokens} tokens", stream="system")

    async def query(self) -> AssistantTurn:
        """One model call; the reply joins the conversation."""
        reply = await self.model.query(self.system, self.turns, TOOLS)
        self.calls += 1
        self.tokens += reply.input_tokens + reply.output_tokens
        self.turns.append(reply.turn)
        if reply.turn.text:
            await self.ctx.log(reply.turn.text, stream="info")
        if not reply.turn.tool_calls:
            raise FormatError("the reply called no tool")
        return reply.turn

    async def execute(self, turn: AssistantTurn) -> list[ToolResult]:
        """Run the turn's tool calls in order (finish raises Submitted)."""
        results = []
        for call in turn.tool_calls:
            self.detect_loop(f"{call.name} {json.dumps(call.arguments, sort_keys=True)}")
            tool_use = {"tool_name": call.name, "tool_input": call.arguments}
            await self.ctx.log(summarize(call), stream="system", metadata={"toolUse": tool_use})
            result = await self.toolbox.run(call)
            if result.is_error:
                await self.ctx.log(f"{call.name} failed: {result.output[:300]}", stream="error")
            results.append(result)
        return results

    def check_limits(self) -> None:
        """Raise the exit that applies before the next model call, if any."""
        if self.ctx.stop_requested():
            raise Stopped("stop requested")
        if self.calls >= self.limits.max_turns:
            raise LimitsExceeded(f"turn limit reached ({self.limits.max_turns} model calls)")
        if self.tokens >= self.limits.max_tokens:
            raise LimitsExceeded(f"token limit reached ({self.tokens} of {self.limits.max_tokens})")
        if time.monotonic() - self.started >= self.limits.max_wall_s:
            raise LimitsExceeded(f"time limit reached ({self.limits.max_wall_s:g}s)")

    def detect_loop(self, action: str) -> None:
        """Raise LoopDetected when `action` completes a run of identical actions."""
        self.actions.append(action)
        recent = self.actions[-self.limits.loop_repeats :]
        if len(recent) == self.limits.loop_repeats and len(set(recent)) == 1:
            raise LoopDetected(f"the same action was repeated {len(recent)} times: {action[:200]}")

    async def deliver_chat(self) -> None:
        """Append every pending chat message to the conversation and mark it delivered."""
        while (message := await self.ctx.next_message()) is not None:
            self.add_user_text(render("chat", message=message))
            await self.ctx.log(f"chat delivered: {message[:200]}", stream="system")

    def add_user_text(self, text: str) -> None:
        """Add text on the user side, merging into the last user turn to keep turns alternating."""
        last = self.turns[-1] if self.turns else None
        if isinstance(last, UserTurn):
            self.turns[-1] = last.with_text(text)
        else:
            self.turns.append(UserTurn((text,)))
