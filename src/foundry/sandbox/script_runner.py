"""The `script` runner: a deterministic agent that applies a given list of edits and commands.

config = {"steps": [{"write": "path", "content": "…"}, {"run": "shell command"},
                    {"log": "text"}, {"sleep": seconds}, {"wait_message": seconds},
                    {"fail": "why"}]}
Used by tests, demos and the benchmark, so none of them depends on a model.
"""

from __future__ import annotations

import asyncio
from typing import Any

from foundry.sandbox import fsops
from foundry.sandbox.runner_protocol import RunContext, RunResult


class ScriptRunner:
    """Applies `config["steps"]` in order; stops at the first failing command."""

    name = "script"

    async def run(self, ctx: RunContext, prompt: str, config: dict[str, Any]) -> RunResult:
        """Run the steps; a failing command or a `fail` step ends the run with ok=False."""
        steps = config.get("steps", [])
        await ctx.log(f"script runner: {len(steps)} steps for: {prompt[:100]}", stream="system")
        for i, step in enumerate(steps):
            if ctx.stop_requested():
                return RunResult(False, "stopped", "the run was stopped")
            if "write" in step:
                fsops.write_file(ctx.workspace, step["write"], step.get("content", ""))
                await ctx.log(f"Writing {step['write']}", stream="system")
                ctx.files_changed()
            elif "run" in step:
                await ctx.log(f"Running: {step['run'][:100]}", stream="system")
                result = await ctx.runtime.execute(
                    step["run"], None, float(step.get("timeout", 60))
                )
                for line in result.stdout.splitlines():
                    await ctx.log(line, stream="stdout")
                for line in result.stderr.splitlines():
                    await ctx.log(line, stream="stderr")
                ctx.files_changed()
                if not result.ok:
                    why = "timed out" if result.timed_out else f"exited with {result.exit_code}"
                    return RunResult(False, f"step {i + 1} failed", f"command {why}: {step['run']}")
            elif "log" in step:
                await ctx.log(str(step["log"]))
            elif "sleep" in step:
                await asyncio.sleep(float(step["sleep"]))
            elif "wait_message" in step:
                message = await _wait_message(ctx, float(step["wait_message"]))
                await ctx.log(f"received: {message}" if message else "no message", stream="info")
            elif "fail" in step:
                raise RuntimeError(str(step["fail"]))
        return RunResult(True, f"applied {len(steps)} steps")


async def _wait_message(ctx: RunContext, timeout: float) -> str | None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        message = await ctx.next_message()
        if message is not None:
            return message
        await asyncio.sleep(0.02)
    return None
