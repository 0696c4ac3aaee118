"""Every tunable of the agent runners, each an environment-overridable default."""

from __future__ import annotations

from foundry.env import env_float, env_int

MAX_TURNS = env_int("FOUNDRY_AGENT_MAX_TURNS", 50)
"""Model calls one builtin run may make."""

MAX_TOKENS = env_int("FOUNDRY_AGENT_MAX_TOKENS", 2_000_000)
"""Input plus output tokens one builtin run may use."""

MAX_WALL_S = env_float("FOUNDRY_AGENT_MAX_WALL_S", 1800.0)
"""Wall time of one builtin run, checked before every model call."""

MAX_REPLY_TOKENS = env_int("FOUNDRY_AGENT_MAX_REPLY_TOKENS", 8192)
"""`max_tokens` asked of the model for one reply."""

LOOP_REPEATS = env_int("FOUNDRY_AGENT_LOOP_REPEATS", 4)
"""Identical consecutive actions after which the builtin run stops as looping."""

MAX_FORMAT_ERRORS = env_int("FOUNDRY_AGENT_MAX_FORMAT_ERRORS", 3)
"""Consecutive malformed model replies after which the builtin run gives up."""

COMMAND_TIMEOUT_S = env_float("FOUNDRY_AGENT_COMMAND_TIMEOUT_S", 120.0)
"""Longest one `run_command` tool call may run inside the sandbox."""

MODEL_TIMEOUT_S = env_float("FOUNDRY_AGENT_MODEL_TIMEOUT_S", 300.0)
"""Longest one model call may take."""

TOOL_OUTPUT_CHARS = env_int("FOUNDRY_AGENT_TOOL_OUTPUT_CHARS", 20_000)
"""Characters of one tool result shown to the model (the middle is elided past this)."""

CLI_TIMEOUT_S = env_float("FOUNDRY_AGENT_CLI_TIMEOUT_S", 600.0)
"""Default time limit of a `command` or `claude-code` run (the reference's timeoutMs)."""

OUTPUT_POLL_S = env_float("FOUNDRY_AGENT_OUTPUT_POLL_S", 0.2)
"""How often a CLI runner forwards new output lines to the log."""

HOOK_VALUE_CHARS = env_int("FOUNDRY_AGENT_HOOK_VALUE_CHARS", 500)
"""Characters kept of each string in a hook event's tool input or tool response summary."""
