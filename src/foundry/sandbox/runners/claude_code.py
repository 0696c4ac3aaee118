"""The `claude-code` runner: the `claude` CLI in the sandbox, pointed at the gateway.

It runs `claude -p <prompt> --output-format stream-json --verbose --dangerously-skip-permissions`
with ANTHROPIC_BASE_URL = the gateway and ANTHROPIC_AUTH_TOKEN = the session token, and maps each
event to a log line and the hook events (PostToolUse, Stop) the reference's Claude settings
registered (stream_json.py). Chat messages that arrive while it works are delivered when
the current turn ends, by resuming the same Claude session with `--resume <session id>`.

Config: model, timeout_s, append_system_prompt, cli (the executable, a name on the sandbox's PATH
or a path inside it; default `claude`).
"""

from __future__ import annotations

import shlex
from typing import Any

from foundry.sandbox.runner_protocol import RunContext, RunResult
from foundry.sandbox.runners import knobs
from foundry.sandbox.runners.process import gateway_env, run_streaming, with_env
from foundry.sandbox.runners.stream_json import ClaudeRun, map_line

SDK_UNAVAILABLE = "SDK_UNAVAILABLE"

# Keep the CLI from calling anything but the model API (the sandbox's egress allows little else).
_QUIET_ENV = {"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1"}


class ClaudeCodeRunner:
    """Runs the Claude Code CLI and streams its events."""

    name = "claude-code"

    async def run(self, ctx: RunContext, prompt: str, config: dict[str, Any]) -> RunResult:
        """Run `claude` on `prompt`, then on each chat message that arrived meanwhile."""
        cli = config.get("cli", "claude")
        if not isinstance(cli, str) or not cli.strip():
            return RunResult(False, "invalid runner config", "cli must be a non-empty string")
        probe = await ctx.runtime.execute(["sh", "-c", 'command -v -- "$1"', "sh", cli], None, 10.0)
        if not probe.ok:
            message = f"the {cli} CLI is not installed in the sandbox"
            await ctx.log(f"{SDK_UNAVAILABLE}: {message}", stream="error")
            return RunResult(False, SDK_UNAVAILABLE, message, extra={"code": SDK_UNAVAILABLE})
        if not ctx.gateway_url or not ctx.gateway_token:
            return RunResult(False, "no model gateway", "claude-code needs a gateway URL and token")
        timeout = float(config.get("timeout_s", knobs.CLI_TIMEOUT_S))
        run = ClaudeRun()
        inbox: list[str] = []

        async def on_line(raw: str) -> None:
            for level, message in map_line(run, raw):
                await ctx.log(message, stream=level)
            while run.hooks:
                ctx.hook(*run.hooks.pop(0))

        async def collect_chat() -> None:
            while (message := await ctx.next_message()) is not None:
                inbox.append(message)

        turn_prompt: str | None = prompt
        while turn_prompt is not None:
            command = with_env(
                self._command(cli, turn_prompt, config, run.session_id),
                {**gateway_env(ctx, bearer=True), **_QUIET_ENV},
            )
            result = await run_streaming(ctx, command, timeout, on_line, collect_chat)
            ctx.files_changed()
            if result.timed_out:
                return RunResult(False, "timed out", f"claude ran past {timeout:g}s and was killed")
            if not result.ok or ctx.stop_requested():
                break
            await collect_chat()
            turn_prompt = inbox.pop(0) if inbox and run.session_id else None
            if turn_prompt is not None:
                await ctx.log(f"chat delivered: {turn_prompt[:200]}", stream="system")
        for message in inbox:
            await ctx.message_failed(message, "the claude run ended before delivery")
        return _result(run, result.exit_code, result.ok)

    def _command(self, cli: str, prompt: str, config: dict[str, Any], resume: str | None) -> str:
        argv = [
            cli,
            "--dangerously-skip-permissions",
            "-p",
            prompt,
            "--verbose",
            "--output-format",
            "stream-json",
        ]
        if isinstance(config.get("model"), str):
            argv += ["--model", config["model"]]
        if isinstance(config.get("append_system_prompt"), str):
            argv += ["--append-system-prompt", config["append_system_prompt"]]
        if resume:
            argv += ["--resume", resume]
        return shlex.join(argv)


def _result(run: ClaudeRun, exit_code: int, ok: bool) -> RunResult:
    event = run.result or {}
    extra = {"claude_session_id": run.session_id, "model": run.model, "exit_code": exit_code}
    if isinstance(event.get("total_cost_usd"), int | float):
        extra["cost_usd"] = event["total_cost_usd"]
    summary = str(event.get("result") or "")[:2000]
    if ok and not event.get("is_error"):
        return RunResult(True, summary or "claude finished", None, None, extra)
    error = summary or f"claude exited with code {exit_code}"
    return RunResult(False, "claude failed", error, None, extra)
