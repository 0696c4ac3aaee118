"""Agent runners for the sandbox worker, by name.

    builtin      the small tool-using agent of loop.py, over the gateway (Anthropic, OpenAI)
    command      any CLI agent from a command template (aider, codex, opencode…)
    claude-code  the `claude` CLI with stream-json output, over the gateway

The worker's own `script` runner lives outside this package and is merged in by the worker.
"""

from foundry.sandbox.runner_protocol import Runner
from foundry.sandbox.runners.builtin import BuiltinRunner
from foundry.sandbox.runners.claude_code import ClaudeCodeRunner
from foundry.sandbox.runners.command import CommandRunner

REGISTRY: dict[str, Runner] = {
    runner.name: runner for runner in (BuiltinRunner(), CommandRunner(), ClaudeCodeRunner())
}

__all__ = ["REGISTRY", "BuiltinRunner", "ClaudeCodeRunner", "CommandRunner"]
