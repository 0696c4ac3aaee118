"""Mapping the `claude` CLI's `--output-format stream-json` events to log lines (the reference's
`logClaudeEvent`):

    assistant text          → info
    assistant tool_use      → system summary ("Writing X", "Editing X", "Running: cmd", …)
    user tool_result error  → error
    result                  → "Execution complete | 12.3s | N turns | $0.1234" (error if is_error)
    system/init             → captures session id and model
    tool_progress over 5 s  → system
    stream_event            → ignored
    anything else, non-JSON → stdout

It also yields the hook events the reference's Claude settings registered, from the same stream:

    user tool_result (paired with its tool_use by id) → PostToolUse
        {tool_name, tool_input (strings cut to HOOK_VALUE_CHARS), tool_use_id, summary,
         is_error, tool_response (cut likewise)}
    result                                            → Stop
        {claude_session_id, is_error, num_turns, duration_ms, total_cost_usd}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from foundry.sandbox.runners import knobs

PROGRESS_AFTER_S = 5.0


@dataclass
class ClaudeRun:
    """What the stream has told us about the run so far."""

    session_id: str | None = None
    model: str | None = None
    result: dict[str, Any] | None = None
    lines: list[tuple[str, str]] = field(default_factory=list)
    tools: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    """Tool calls awaiting their result, by tool_use id: (name, input)."""
    hooks: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """Hook events (name, data) mapped but not yet sent; the runner drains it."""


def map_line(run: ClaudeRun, raw: str) -> list[tuple[str, str]]:
    """The (level, message) log lines for one output line, updating `run`."""
    try:
        event = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return [("stdout", raw)] if raw.strip() else []
    if not isinstance(event, dict):
        return [("stdout", raw)]
    kind = event.get("type")
    if kind == "stream_event":
        return []
    if kind == "system" and event.get("subtype") == "init":
        run.session_id = _str(event.get("session_id")) or run.session_id
        run.model = _str(event.get("model")) or run.model
        return [("system", f"Claude session started | model {run.model or 'default'}")]
    if kind == "assistant":
        return [line for block in _blocks(event) for line in _assistant_block(run, block)]
    if kind == "user":
        results = [b for b in _blocks(event) if b.get("type") == "tool_result"]
        for block in results:
            _post_tool_use(run, block)
        return [
            ("error", f"Tool error: {_text(block.get('content'))[:500]}")
            for block in results
            if block.get("is_error")
        ]
    if kind == "result":
        run.result = event
        run.hooks.append(("Stop", _stop(run, event)))
        return [("error" if event.get("is_error") else "info", _result_line(event))]
    if kind == "tool_progress":
        elapsed = event.get("elapsed_time_seconds")
        if isinstance(elapsed, int | float) and elapsed > PROGRESS_AFTER_S:
            return [("system", f"{event.get('tool_name', 'tool')} running for {elapsed:.0f}s")]
        return []
    return [("stdout", raw)]


def summarize_tool(name: str, args: dict[str, Any]) -> str:
    """A one-line summary of a Claude Code tool call."""
    path = _str(args.get("file_path")) or _str(args.get("path")) or _str(args.get("notebook_path"))
    if name == "Write":
        return f"Writing {path}"
    if name in ("Edit", "MultiEdit", "NotebookEdit"):
        return f"Editing {path}"
    if name == "Read":
        return f"Reading {path}"
    if name == "Bash":
        return f"Running: {(_str(args.get('command')) or '')[:100]}"
    if name in ("Grep", "Glob"):
        return f"Searching for {(_str(args.get('pattern')) or '')[:100]}"
    return f"Using {name}"


def _assistant_block(run: ClaudeRun, block: dict[str, Any]) -> list[tuple[str, str]]:
    if block.get("type") == "text" and _str(block.get("text")):
        return [("info", block["text"])]
    if block.get("type") == "tool_use":
        args = block.get("input")
        if not isinstance(args, dict):
            args = {}
        name = str(block.get("name", "?"))
        if tool_use_id := _str(block.get("id")):
            run.tools[tool_use_id] = (name, args)
        return [("system", summarize_tool(name, args))]
    return []


def _post_tool_use(run: ClaudeRun, block: dict[str, Any]) -> None:
    # Claude's own PostToolUse hook fires once a tool has finished: on its result, not its call.
    tool_use_id = _str(block.get("tool_use_id"))
    call = run.tools.pop(tool_use_id, None) if tool_use_id else None
    if call is None:
        return
    name, args = call
    run.hooks.append(
        (
            "PostToolUse",
            {
                "tool_name": name,
                "tool_input": _cut(args),
                "tool_use_id": tool_use_id,
                "summary": summarize_tool(name, args),
                "is_error": bool(block.get("is_error")),
                "tool_response": _text(block.get("content"))[: knobs.HOOK_VALUE_CHARS],
            },
        )
    )


def _stop(run: ClaudeRun, event: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "claude_session_id": run.session_id,
        "is_error": bool(event.get("is_error")),
    }
    for key in ("num_turns", "duration_ms", "total_cost_usd"):
        if isinstance(event.get(key), int | float):
            data[key] = event[key]
    return data


def _cut(value: Any) -> Any:
    # Hook events carry a summary of the input, not whole files an agent writes.
    if isinstance(value, str):
        limit = knobs.HOOK_VALUE_CHARS
        return value if len(value) <= limit else value[:limit] + f"… ({len(value)} chars)"
    if isinstance(value, dict):
        return {str(k): _cut(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut(v) for v in value]
    return value


def _result_line(event: dict[str, Any]) -> str:
    parts = ["Execution complete" if not event.get("is_error") else "Execution failed"]
    if isinstance(event.get("duration_ms"), int | float):
        parts.append(f"{event['duration_ms'] / 1000:.1f}s")
    if isinstance(event.get("num_turns"), int):
        parts.append(f"{event['num_turns']} turns")
    if isinstance(event.get("total_cost_usd"), int | float):
        parts.append(f"${event['total_cost_usd']:.4f}")
    return " | ".join(parts)


def _blocks(event: dict[str, Any]) -> list[dict[str, Any]]:
    message = event.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
    return ""


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
