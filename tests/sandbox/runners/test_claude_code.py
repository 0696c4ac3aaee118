"""The `claude-code` runner against a fake `claude` executable that prints stream-json."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from foundry.sandbox.runners import REGISTRY
from tests.sandbox.runners.support import LocalContext

EVENTS: list[dict[str, object]] = [
    {"type": "system", "subtype": "init", "session_id": "cs-42", "model": "claude-sonnet-4-5"},
    {"type": "stream_event", "event": {"type": "content_block_delta"}},
    {
        "type": "assistant",
        "message": {
            "content": [
                {"type": "text", "text": "Let me look."},
                {"type": "tool_use", "id": "tu_1", "name": "Bash", "input": {"command": "ls -la"}},
                {
                    "type": "tool_use",
                    "id": "tu_2",
                    "name": "Edit",
                    "input": {"file_path": "/workspace/app.py", "new_string": "x" * 2000},
                },
            ]
        },
    },
    {
        "type": "user",
        "message": {
            "content": [
                {"type": "tool_result", "tool_use_id": "tu_1", "content": "app.py README.md"},
                {
                    "type": "tool_result",
                    "tool_use_id": "tu_2",
                    "is_error": True,
                    "content": "permission denied",
                },
            ]
        },
    },
    {"type": "tool_progress", "tool_name": "Bash", "elapsed_time_seconds": 7},
    {
        "type": "result",
        "subtype": "success",
        "is_error": False,
        "duration_ms": 12300,
        "num_turns": 3,
        "total_cost_usd": 0.1234,
        "result": "All done.",
    },
]

FAKE = """#!/bin/sh
printf '%s\\n' "$*" >> "$HOME/claude-args"
printf '%s %s\\n' "$ANTHROPIC_BASE_URL" "$ANTHROPIC_AUTH_TOKEN" > "$HOME/claude-env"
case "$*" in
  *--resume*) echo '{"type":"result","is_error":false,"num_turns":1,"result":"Resumed."}' ;;
  *) cat "$HOME/events.jsonl"; echo 'plain text line' ;;
esac
"""


def install_fake(tmp_path: Path, events: list[dict[str, object]] = EVENTS) -> LocalContext:
    bin_dir, workspace = tmp_path / "bin", tmp_path / "ws"
    bin_dir.mkdir()
    workspace.mkdir()
    claude = bin_dir / "claude"
    claude.write_text(FAKE)
    claude.chmod(claude.stat().st_mode | stat.S_IEXEC)
    (workspace / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    return LocalContext(
        workspace, gateway_url="http://gw.test", gateway_token="fgw_aa.bb", path_prefix=bin_dir
    )


async def test_maps_stream_json_events_to_log_lines(tmp_path: Path) -> None:
    ctx = install_fake(tmp_path)
    result = await REGISTRY["claude-code"].run(ctx, "fix the bug", {"model": "claude-opus-4-5"})
    assert result.ok, result
    assert result.summary == "All done."
    assert result.extra["claude_session_id"] == "cs-42" and result.extra["cost_usd"] == 0.1234
    assert ctx.lines == [
        ("system", "Claude session started | model claude-sonnet-4-5"),
        ("info", "Let me look."),
        ("system", "Running: ls -la"),
        ("system", "Editing /workspace/app.py"),
        ("error", "Tool error: permission denied"),
        ("system", "Bash running for 7s"),
        ("info", "Execution complete | 12.3s | 3 turns | $0.1234"),
        ("stdout", "plain text line"),
    ]
    assert [name for name, _ in ctx.hooks] == ["PostToolUse", "PostToolUse", "Stop"]
    bash, edit, stop = (data for _, data in ctx.hooks)
    assert bash == {
        "tool_name": "Bash",
        "tool_input": {"command": "ls -la"},
        "tool_use_id": "tu_1",
        "summary": "Running: ls -la",
        "is_error": False,
        "tool_response": "app.py README.md",
    }
    assert edit["tool_name"] == "Edit" and edit["is_error"] is True
    assert edit["summary"] == "Editing /workspace/app.py"
    assert edit["tool_input"]["new_string"] == "x" * 500 + "… (2000 chars)"
    assert stop == {
        "claude_session_id": "cs-42",
        "is_error": False,
        "num_turns": 3,
        "duration_ms": 12300,
        "total_cost_usd": 0.1234,
    }
    args = (ctx.workspace / "claude-args").read_text()
    assert "-p fix the bug --verbose --output-format stream-json --model claude-opus-4-5" in args
    assert (ctx.workspace / "claude-env").read_text() == "http://gw.test fgw_aa.bb\n"


async def test_chat_during_a_run_is_delivered_by_resuming(tmp_path: Path) -> None:
    ctx = install_fake(tmp_path)
    ctx.inbox.append("also update the docs")
    result = await REGISTRY["claude-code"].run(ctx, "fix the bug", {})
    assert result.ok and result.summary == "Resumed."
    assert ("system", "chat delivered: also update the docs") in ctx.lines
    calls = (ctx.workspace / "claude-args").read_text().splitlines()
    assert len(calls) == 2 and "also update the docs" in calls[1] and "--resume cs-42" in calls[1]


async def test_error_result_fails_the_run(tmp_path: Path) -> None:
    ctx = install_fake(
        tmp_path, [{"type": "result", "is_error": True, "result": "Credit balance too low"}]
    )
    result = await REGISTRY["claude-code"].run(ctx, "p", {})
    assert not result.ok and result.error == "Credit balance too low"
    assert ("error", "Execution failed") in ctx.lines


async def test_reports_sdk_unavailable_without_the_cli(tmp_path: Path) -> None:
    only_sh = tmp_path / "bin"
    only_sh.mkdir()
    (only_sh / "sh").symlink_to("/bin/sh")
    ctx = LocalContext(tmp_path, gateway_url="http://gw.test", gateway_token="fgw_aa.bb")
    ctx.local.env["PATH"] = str(only_sh)
    result = await REGISTRY["claude-code"].run(ctx, "p", {})
    assert not result.ok and result.summary == "SDK_UNAVAILABLE"
    assert result.error == "the claude CLI is not installed in the sandbox"
    assert ctx.lines == [
        ("error", "SDK_UNAVAILABLE: the claude CLI is not installed in the sandbox")
    ]
