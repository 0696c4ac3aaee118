"""The builtin agent driven by scripted fake model servers, through the real gateway."""

from __future__ import annotations

import json
import os
from typing import Any

from foundry.sandbox.runners import REGISTRY
from tests.sandbox.gateway.conftest import Stack
from tests.sandbox.runners.support import LocalContext

_ids = iter(range(1_000_000))


def use(name: str, **args: Any) -> dict[str, Any]:
    """An Anthropic reply calling one tool."""
    return {
        "content": [
            {"type": "text", "text": f"I will {name}"},
            {"type": "tool_use", "id": f"tu_{next(_ids)}", "name": name, "input": args},
        ]
    }


def call(name: str, **args: Any) -> dict[str, Any]:
    """An OpenAI reply calling one function."""
    tool_call = {
        "id": f"call_{next(_ids)}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(args)},
    }
    return {"message": {"content": None, "tool_calls": [tool_call]}}


def tool_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in body["messages"][-1]["content"] if b.get("type") == "tool_result"]


async def test_edits_files_runs_commands_and_finishes(stack: Stack, ctx: LocalContext) -> None:
    stack.anthropic.replies += [
        use("write_file", path="src/hello.py", content="print('hello')\n"),
        use("edit_file", path="src/hello.py", old_string="hello", new_string="hello, world"),
        use("run_command", command="python3 src/hello.py"),
        use("search", pattern="world"),
        use("finish", summary="Greets the world."),
    ]
    result = await REGISTRY["builtin"].run(
        ctx, "Make hello.py greet the world", {"model": "claude-sonnet-4-5"}
    )
    assert result.ok, result
    assert result.summary == "Greets the world."
    assert (ctx.workspace / "src/hello.py").read_text() == "print('hello, world')\n"
    seen = stack.anthropic.seen
    assert len(seen) == 5
    assert "Make hello.py greet the world" in json.dumps(seen[0].body["messages"][0])
    assert {t["name"] for t in seen[0].body["tools"]} == {
        "read_file",
        "write_file",
        "edit_file",
        "run_command",
        "search",
        "finish",
    }
    assert tool_results(seen[3].body)[0]["content"] == "exit code 0\nhello, world\n"
    assert "src/hello.py:1:print('hello, world')" in tool_results(seen[4].body)[0]["content"]
    assert ("system", "Writing src/hello.py") in ctx.lines
    assert ("system", "Running: python3 src/hello.py") in ctx.lines
    assert sum(1 for _, line in ctx.lines if line.startswith("Step ")) == 4
    assert ctx.changes >= 2
    usage = stack.gateway.usage("session-1")
    assert usage is not None and usage.calls == 5 and result.tokens_used == 75


async def test_openai_compatible_function_calling(stack: Stack, ctx: LocalContext) -> None:
    stack.openai.replies += [
        call("write_file", path="notes.txt", content="from openai"),
        call("finish", summary="done"),
    ]
    result = await REGISTRY["builtin"].run(
        ctx, "write notes", {"provider": "openai", "model": "gpt-4.1"}
    )
    assert result.ok, result
    assert (ctx.workspace / "notes.txt").read_text() == "from openai"
    second = stack.openai.seen[1].body["messages"]
    assert second[0]["role"] == "system"
    assert second[-1]["role"] == "tool" and second[-1]["content"].startswith("wrote 11 bytes")


async def test_turn_limit_is_checked_before_each_model_call(
    stack: Stack, ctx: LocalContext
) -> None:
    stack.anthropic.replies += [use("run_command", command=f"echo {i}") for i in range(5)]
    result = await REGISTRY["builtin"].run(ctx, "loop", {"max_turns": 2})
    assert not result.ok
    assert result.extra["exit"] == "LimitsExceeded"
    assert result.error is not None and "turn limit" in result.error
    assert len(stack.anthropic.seen) == 2


async def test_token_limit(stack: Stack, ctx: LocalContext) -> None:
    stack.anthropic.replies += [use("run_command", command=f"echo {i}") for i in range(5)]
    result = await REGISTRY["builtin"].run(ctx, "loop", {"max_tokens": 20})
    assert result.error is not None and "token limit" in result.error
    assert len(stack.anthropic.seen) == 2  # 15 tokens after one call, 30 after two


async def test_repeated_action_is_a_loop(stack: Stack, ctx: LocalContext) -> None:
    stack.anthropic.replies += [use("run_command", command="ls") for _ in range(6)]
    result = await REGISTRY["builtin"].run(ctx, "loop", {"loop_repeats": 3})
    assert result.extra["exit"] == "LoopDetected"
    assert len(stack.anthropic.seen) == 3


async def test_malformed_reply_is_fed_back_and_the_run_recovers(
    stack: Stack, ctx: LocalContext
) -> None:
    stack.anthropic.replies += [
        {"raw": {"unexpected": "shape"}},
        {"content": [{"type": "text", "text": "just talking"}]},
        use("finish", summary="ok"),
    ]
    result = await REGISTRY["builtin"].run(ctx, "task", {})
    assert result.ok, result
    assert "Format error: the reply has no content list" in ctx.text()
    second, third = (
        stack.anthropic.seen[1].body["messages"],
        stack.anthropic.seen[2].body["messages"],
    )
    assert len(second) == 1 and "could not be used" in json.dumps(second[0])
    assert [m["role"] for m in third] == ["user", "assistant", "user"]
    assert "called no tool" in json.dumps(third[-1])


async def test_persistent_format_errors_end_the_run(stack: Stack, ctx: LocalContext) -> None:
    stack.anthropic.replies += [{"raw": {"content": [{"type": "tool_use", "name": "finish"}]}}] * 3
    result = await REGISTRY["builtin"].run(ctx, "task", {})
    assert not result.ok and result.error == "3 malformed model replies in a row"


async def test_chat_messages_join_between_steps(stack: Stack, ctx: LocalContext) -> None:
    def reply_and_chat(body: dict[str, Any]) -> dict[str, Any]:
        ctx.inbox.append("please also add a README")
        return use("run_command", command="true")

    stack.anthropic.replies += [reply_and_chat, use("finish", summary="done")]
    result = await REGISTRY["builtin"].run(ctx, "task", {})
    assert result.ok
    last = stack.anthropic.seen[1].body["messages"][-1]["content"]
    assert last[0]["type"] == "tool_result"
    assert "please also add a README" in last[-1]["text"]
    assert ("system", "chat delivered: please also add a README") in ctx.lines


async def test_stop_request_ends_the_run(stack: Stack, ctx: LocalContext) -> None:
    def reply_and_stop(body: dict[str, Any]) -> dict[str, Any]:
        ctx.stop = True
        return use("run_command", command="true")

    stack.anthropic.replies += [reply_and_stop, use("finish", summary="never")]
    result = await REGISTRY["builtin"].run(ctx, "task", {})
    assert result.extra["exit"] == "Stopped"
    assert len(stack.anthropic.seen) == 1


async def test_gateway_budget_refusal_is_a_model_error(stack: Stack, ctx: LocalContext) -> None:
    ctx.gateway_token = stack.gateway.issue("poor", budget_usd=1.0, max_tokens=10)
    stack.anthropic.replies += [use("run_command", command="true")] * 3
    result = await REGISTRY["builtin"].run(ctx, "task", {})
    assert result.extra["exit"] == "ModelError"
    assert result.error is not None and "402" in result.error and "budget exhausted" in result.error


async def test_file_tools_do_not_follow_symlinks_out_of_the_workspace(
    stack: Stack, ctx: LocalContext, tmp_path: Any
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("host secret")
    os.symlink(outside, ctx.workspace / "link")
    os.symlink(outside / "secret.txt", ctx.workspace / "secret-link")
    stack.anthropic.replies += [
        use("read_file", path="secret-link"),
        use("write_file", path="link/planted.txt", content="x"),
        use("read_file", path="../outside/secret.txt"),
        use("read_file", path=str(outside / "secret.txt")),
        use("finish", summary="tried"),
    ]
    result = await REGISTRY["builtin"].run(ctx, "escape", {})
    assert result.ok
    outputs = [tool_results(seen.body)[0] for seen in stack.anthropic.seen[1:]]
    assert all(o["is_error"] for o in outputs), outputs
    assert "host secret" not in json.dumps([s.body for s in stack.anthropic.seen])
    assert not (outside / "planted.txt").exists()


async def test_bad_config_is_reported(ctx: LocalContext) -> None:
    result = await REGISTRY["builtin"].run(ctx, "task", {"max_turns": "ten", "colour": "blue"})
    assert not result.ok and result.error == "unknown builtin runner option(s): colour"
