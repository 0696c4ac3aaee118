"""Running a CLI agent inside the sandbox while streaming its output to the log.

`Runtime.execute` returns only when the command ends, so the command's output is redirected into a
file in the workspace which the host tails (the reference polls its output file the same way). The
host opens that file before the command starts and reads through the same descriptor, so the agent
cannot swap it for a symlink to a host file. The file is removed when the run ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import uuid
from collections.abc import Awaitable, Callable, Mapping

from foundry.sandbox.runner_protocol import ExecResult, RunContext
from foundry.sandbox.runners import knobs

OnLine = Callable[[str], Awaitable[None]]
OnTick = Callable[[], Awaitable[None]]


def with_env(command: str, env: Mapping[str, str]) -> str:
    """`command` run under `env` (values shell-quoted)."""
    if not env:
        return command
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    return f"env {assignments} sh -c {shlex.quote(command)}"


def gateway_env(ctx: RunContext, *, bearer: bool = False) -> dict[str, str]:
    """The variables that point common CLI agents at the gateway with the session token;
    `bearer` gives the token as ANTHROPIC_AUTH_TOKEN (what Claude Code sends as a Bearer
    token) instead of ANTHROPIC_API_KEY, since Claude Code refuses to have both."""
    if not ctx.gateway_url or not ctx.gateway_token:
        return {}
    base = ctx.gateway_url.rstrip("/")
    anthropic_key = "ANTHROPIC_AUTH_TOKEN" if bearer else "ANTHROPIC_API_KEY"
    return {
        "ANTHROPIC_BASE_URL": base,
        anthropic_key: ctx.gateway_token,
        "OPENAI_BASE_URL": base + "/v1",
        "OPENAI_API_BASE": base + "/v1",
        "OPENAI_API_KEY": ctx.gateway_token,
    }


async def run_streaming(
    ctx: RunContext, command: str, timeout: float, on_line: OnLine, on_tick: OnTick | None = None
) -> ExecResult:
    """Run `command` (a shell string) in the sandbox's workspace, calling `on_line` for each output
    line (stdout and stderr interleaved) as it appears and `on_tick` between polls; a stop request
    cancels the run."""
    name = f".foundry-agent-{uuid.uuid4().hex[:12]}.log"
    directory = os.open(ctx.workspace, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fd = os.open(
            name, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666, dir_fd=directory
        )
        os.fchmod(fd, 0o666)  # the sandbox user may differ from the worker's
        task = asyncio.create_task(
            ctx.runtime.execute(["sh", "-c", f"{command} >> {name} 2>&1"], None, timeout)
        )
        pending = b""
        try:
            while True:
                done = task.done()
                pending = await _forward(fd, pending, on_line)
                if done:
                    break
                if ctx.stop_requested():
                    task.cancel()
                if on_tick is not None:
                    await on_tick()
                await asyncio.wait({task}, timeout=knobs.OUTPUT_POLL_S)
            if pending:
                await on_line(pending.decode("utf-8", errors="replace"))
            if task.cancelled():
                return ExecResult(exit_code=-1, stdout="", stderr="stopped on request")
            return task.result()
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=directory)
    finally:
        os.close(directory)


async def _forward(fd: int, pending: bytes, on_line: OnLine) -> bytes:
    while chunk := os.read(fd, 65536):
        pending += chunk
    *lines, rest = pending.split(b"\n")
    for line in lines:
        await on_line(line.rstrip(b"\r").decode("utf-8", errors="replace"))
    return rest
