"""The `command` runner with real subprocesses in a temp workspace."""

from __future__ import annotations

import time
from pathlib import Path

from foundry.sandbox.runners import REGISTRY
from tests.sandbox.runners.support import LocalContext

NASTY = 'it\'s "quoted" $(touch pwned) `touch pwned2`; echo injected'


def workspace_ctx(tmp_path: Path) -> LocalContext:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    return LocalContext(workspace, gateway_url="http://gateway.test:9", gateway_token="fgw_ab.cd")


async def test_prompt_is_passed_literally_and_output_streams(tmp_path: Path) -> None:
    ctx = workspace_ctx(tmp_path)
    result = await REGISTRY["command"].run(
        ctx, NASTY, {"command": "printf '%s\\n' {prompt}; echo second"}
    )
    assert result.ok, result
    assert ("stdout", NASTY) in ctx.lines
    assert ("stdout", "second") in ctx.lines
    assert not (ctx.workspace / "pwned").exists() and not (ctx.workspace / "pwned2").exists()
    assert sorted(p.name for p in ctx.workspace.iterdir()) == []  # output file cleaned up


async def test_prompt_file_and_gateway_environment(tmp_path: Path) -> None:
    ctx = workspace_ctx(tmp_path)
    template = "cat {prompt_file}; echo; echo $ANTHROPIC_BASE_URL $OPENAI_BASE_URL"
    template += " $ANTHROPIC_API_KEY $EXTRA"
    result = await REGISTRY["command"].run(
        ctx, NASTY, {"command": template, "env": {"EXTRA": "x y"}}
    )
    assert result.ok, result
    assert ("stdout", NASTY) in ctx.lines
    assert ("stdout", "http://gateway.test:9 http://gateway.test:9/v1 fgw_ab.cd x y") in ctx.lines
    assert list(ctx.workspace.iterdir()) == []


async def test_exit_code_becomes_failure(tmp_path: Path) -> None:
    ctx = workspace_ctx(tmp_path)
    result = await REGISTRY["command"].run(ctx, "p", {"command": "echo about to fail; exit 3"})
    assert not result.ok
    assert result.summary == "command failed (3)"
    assert ("stdout", "about to fail") in ctx.lines


async def test_timeout_kills_the_process_group(tmp_path: Path) -> None:
    ctx = workspace_ctx(tmp_path)
    started = time.monotonic()
    command = "(sleep 30; touch late) & echo started; sleep 30"
    result = await REGISTRY["command"].run(ctx, "p", {"command": command, "timeout_s": 0.5})
    assert time.monotonic() - started < 5
    assert not result.ok and result.summary == "timed out"
    assert ("stdout", "started") in ctx.lines


async def test_stop_request_cancels_the_run_and_chat_is_marked_failed(tmp_path: Path) -> None:
    ctx = workspace_ctx(tmp_path)
    ctx.inbox.append("hello agent")
    ctx.stop = True
    started = time.monotonic()
    result = await REGISTRY["command"].run(ctx, "p", {"command": "sleep 30"})
    assert time.monotonic() - started < 5
    assert not result.ok
    assert any(
        stream == "error" and line.startswith("chat failed:") and "hello agent" in line
        for stream, line in ctx.lines
    )


async def test_bad_templates_are_config_errors(tmp_path: Path) -> None:
    ctx = workspace_ctx(tmp_path)
    assert (
        await REGISTRY["command"].run(ctx, "p", {})
    ).error == "the command runner needs a `command`"
    unknown = await REGISTRY["command"].run(ctx, "p", {"command": "agent {nope}"})
    assert unknown.error is not None and "nope" in unknown.error
