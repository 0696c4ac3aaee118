"""The `command` runner: any CLI agent given as a command template (aider, codex, opencode…).

Config: command (required), e.g. "aider --yes --message {prompt}" or "codex exec {prompt}";
timeout_s; env (extra variables, no secrets). Placeholders: {prompt} (shell-quoted),
{prompt_file} (a file holding the prompt, shell-quoted path), {gateway_url}; write {{ and }} for
literal braces. The agent reaches models through the gateway: ANTHROPIC_* and OPENAI_* variables
point at it with the session token.
"""

from __future__ import annotations

import os
import shlex
import uuid
from pathlib import PurePosixPath
from typing import Any

from foundry.sandbox.runner_protocol import RunContext, RunResult
from foundry.sandbox.runners import knobs
from foundry.sandbox.runners.process import gateway_env, run_streaming, with_env
from foundry.sandbox.runners.workspace_files import write_text


class CommandRunner:
    """Runs a CLI agent from a command template, streaming its output."""

    name = "command"
    accepts_chat = False

    async def run(self, ctx: RunContext, prompt: str, config: dict[str, Any]) -> RunResult:
        """Run the configured command on `prompt`; exit status 0 means success."""
        template = config.get("command")
        timeout = config.get("timeout_s", knobs.CLI_TIMEOUT_S)
        extra_env = config.get("env", {})
        if not isinstance(template, str) or not template.strip():
            return RunResult(False, "invalid runner config", "the command runner needs a `command`")
        if not isinstance(timeout, int | float) or timeout <= 0:
            return RunResult(False, "invalid runner config", "timeout_s must be a positive number")
        if not isinstance(extra_env, dict) or not all(
            isinstance(v, str) for v in extra_env.values()
        ):
            return RunResult(False, "invalid runner config", "env must map names to strings")
        prompt_file = f".foundry-prompt-{uuid.uuid4().hex[:12]}.txt"
        values = {
            "prompt": shlex.quote(prompt),
            "prompt_file": shlex.quote(prompt_file),
            "gateway_url": shlex.quote(ctx.gateway_url or ""),
        }
        try:
            command = template.format_map(values)
        except (KeyError, ValueError, IndexError) as error:
            return RunResult(False, "invalid runner config", f"bad command template: {error!r}")
        uses_file = "{prompt_file}" in template
        if uses_file:
            write_text(ctx.workspace, PurePosixPath(prompt_file), prompt)
        await ctx.log(f"Running: {template[:100]}", stream="system")
        try:
            result = await run_streaming(
                ctx,
                with_env(command, {**gateway_env(ctx), **extra_env}),
                float(timeout),
                lambda line: ctx.log(line, stream="stdout"),
                lambda: refuse_chat(ctx, self.name),
            )
        finally:
            if uses_file:
                os.unlink(ctx.workspace / prompt_file)
        ctx.files_changed()
        if result.timed_out:
            return RunResult(
                False, "timed out", f"the command ran past {timeout:g}s and was killed"
            )
        if not result.ok:
            detail = result.stderr.strip() or f"exit code {result.exit_code}"
            return RunResult(False, f"command failed ({result.exit_code})", detail)
        return RunResult(True, "command finished", None, None, {"exit_code": result.exit_code})


async def refuse_chat(ctx: RunContext, runner: str) -> None:
    """Mark pending chat messages failed: this runner has no channel into the running agent."""
    while (message := await ctx.next_message()) is not None:
        await ctx.message_failed(message, f"the {runner} runner has no channel into the agent")
