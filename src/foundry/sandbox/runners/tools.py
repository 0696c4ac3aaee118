"""The builtin agent's tools: files through the host (symlink-safe), commands and search through
the sandbox runtime, and `finish`. A tool failure is a result the model sees, never an exception."""

from __future__ import annotations

from typing import Any

from foundry.sandbox.runner_protocol import ExecResult, RunContext
from foundry.sandbox.runners import knobs
from foundry.sandbox.runners.exceptions import Submitted
from foundry.sandbox.runners.messages import ToolCall, ToolResult, ToolSpec
from foundry.sandbox.runners.workspace_files import UnsafePath, read_text, relative_path, write_text

_PATH = {"type": "string", "description": "File path relative to the workspace root."}

TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "read_file",
        "Read a text file.",
        {"type": "object", "properties": {"path": _PATH}, "required": ["path"]},
    ),
    ToolSpec(
        "write_file",
        "Create or overwrite a file with the given content.",
        {
            "type": "object",
            "properties": {"path": _PATH, "content": {"type": "string"}},
            "required": ["path", "content"],
        },
    ),
    ToolSpec(
        "edit_file",
        "Replace the exact text old_string, which must occur exactly once, with new_string.",
        {
            "type": "object",
            "properties": {
                "path": _PATH,
                "old_string": {"type": "string"},
                "new_string": {"type": "string"},
            },
            "required": ["path", "old_string", "new_string"],
        },
    ),
    ToolSpec(
        "run_command",
        "Run a shell command in the workspace and return its exit code and output.",
        {
            "type": "object",
            "properties": {
                "command": {"type": "string"},
                "timeout": {"type": "number", "description": "Seconds."},
            },
            "required": ["command"],
        },
    ),
    ToolSpec(
        "search",
        "Search file contents for a regular expression (ripgrep, or grep when absent).",
        {
            "type": "object",
            "properties": {
                "pattern": {"type": "string"},
                "path": {"type": "string", "description": "Default '.'."},
            },
            "required": ["pattern"],
        },
    ),
    ToolSpec(
        "finish",
        "Call when the task is done, with a short summary of what you changed.",
        {"type": "object", "properties": {"summary": {"type": "string"}}, "required": ["summary"]},
    ),
)

# Positional parameters keep the model's pattern and path out of the shell's parsing.
_SEARCH = (
    'if command -v rg >/dev/null 2>&1; then rg -n --no-heading --color never -e "$1" -- "$2"; '
    'else grep -rnI --exclude-dir=.git -e "$1" -- "$2"; fi'
)


class Toolbox:
    """Runs tool calls for one run against its context."""

    def __init__(self, ctx: RunContext, command_timeout_s: float = knobs.COMMAND_TIMEOUT_S) -> None:
        self.ctx = ctx
        self.command_timeout_s = command_timeout_s
        workdir = getattr(ctx.runtime, "workdir", None)
        self._roots = tuple(str(r) for r in (workdir, ctx.workspace) if r)

    async def run(self, call: ToolCall) -> ToolResult:
        """The result of `call`; raises Submitted for `finish`."""
        handler = getattr(self, f"_tool_{call.name}", None)
        if handler is None:
            return ToolResult(call.id, f"unknown tool {call.name!r}; use one of {_names()}", True)
        try:
            output, is_error = await handler(**call.arguments)
        except TypeError as error:
            return ToolResult(call.id, f"bad arguments for {call.name}: {error}", True)
        except (UnsafePath, FileNotFoundError, IsADirectoryError) as error:
            return ToolResult(call.id, str(error), True)
        return ToolResult(call.id, _clip(output), is_error)

    async def _tool_read_file(self, path: str) -> tuple[str, bool]:
        return read_text(self.ctx.workspace, relative_path(path, self._roots)), False

    async def _tool_write_file(self, path: str, content: str) -> tuple[str, bool]:
        written = write_text(self.ctx.workspace, relative_path(path, self._roots), content)
        self.ctx.files_changed()
        return f"wrote {written} bytes to {path}", False

    async def _tool_edit_file(
        self, path: str, old_string: str, new_string: str
    ) -> tuple[str, bool]:
        rel = relative_path(path, self._roots)
        text = read_text(self.ctx.workspace, rel)
        count = text.count(old_string) if old_string else 0
        if count != 1:
            return f"old_string must occur exactly once in {path}; found {count} times", True
        write_text(self.ctx.workspace, rel, text.replace(old_string, new_string, 1))
        self.ctx.files_changed()
        return f"edited {path}", False

    async def _tool_run_command(
        self, command: str, timeout: float | None = None
    ) -> tuple[str, bool]:
        limit = min(float(timeout or self.command_timeout_s), self.command_timeout_s)
        result = await self.ctx.runtime.execute(command, None, limit)
        self.ctx.files_changed()
        return _describe(result, limit), not result.ok

    async def _tool_search(self, pattern: str, path: str = ".") -> tuple[str, bool]:
        result = await self.ctx.runtime.execute(
            ["sh", "-c", _SEARCH, "search", pattern, path], None, 30.0
        )
        if result.exit_code == 1 and not result.stderr:
            return "no matches", False
        return (result.stdout or result.stderr), not result.ok

    async def _tool_finish(self, summary: str) -> tuple[str, bool]:
        raise Submitted(summary)


def _describe(result: ExecResult, limit: float) -> str:
    head = f"timed out after {limit:g}s" if result.timed_out else f"exit code {result.exit_code}"
    parts = [head]
    if result.stdout:
        parts.append(result.stdout)
    if result.stderr:
        parts.append("[stderr]\n" + result.stderr)
    return "\n".join(parts)


def _clip(text: str) -> str:
    limit = knobs.TOOL_OUTPUT_CHARS
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n… [{len(text) - limit} characters elided] …\n{text[-half:]}"


def _names() -> str:
    return ", ".join(t.name for t in TOOLS)


def summarize(call: ToolCall) -> str:
    """A one-line log summary of a tool call in the reference's style ("Editing X")."""
    args: dict[str, Any] = call.arguments
    verbs = {"read_file": "Reading", "write_file": "Writing", "edit_file": "Editing"}
    if call.name in verbs:
        return f"{verbs[call.name]} {args.get('path', '?')}"
    if call.name == "run_command":
        return f"Running: {str(args.get('command', ''))[:100]}"
    if call.name == "search":
        return f"Searching for {str(args.get('pattern', ''))[:100]}"
    return f"{call.name}"
