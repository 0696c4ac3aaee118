"""Tunables of the agent service, each overridable by an environment variable of the same name."""

from __future__ import annotations

from foundry.env import env_float, env_int

MODEL_TIMEOUT_S = env_float("FOUNDRY_AGENT_MODEL_TIMEOUT_S", 180.0)
"""Wall-clock limit of one model call, streaming included."""

RETRY_ATTEMPTS = env_int("FOUNDRY_AGENT_RETRY_ATTEMPTS", 4)
"""Model calls per request, the first included, before a retryable failure is reported."""

RETRY_BASE_S = env_float("FOUNDRY_AGENT_RETRY_BASE_S", 0.5)
"""First backoff delay; each retry doubles it (plus jitter)."""

RETRY_OVERLOAD_FACTOR = env_float("FOUNDRY_AGENT_RETRY_OVERLOAD_FACTOR", 4.0)
"""Multiplier on the backoff after a 429 (rate limit) or 529 (overloaded) answer."""

RETRY_CAP_S = env_float("FOUNDRY_AGENT_RETRY_CAP_S", 30.0)
"""Longest single backoff delay, whatever the multiplier or Retry-After says."""

MAX_BODY_BYTES = env_int("FOUNDRY_AGENT_MAX_BODY_BYTES", 8 * 1024 * 1024)
"""Largest request body accepted; bigger bodies get 413."""

MAX_OUTPUT_TOKENS = env_int("FOUNDRY_AGENT_MAX_OUTPUT_TOKENS", 8192)
"""Output token budget of a model call without extended thinking."""

MAX_OUTPUT_TOKENS_THINKING = env_int("FOUNDRY_AGENT_MAX_OUTPUT_TOKENS_THINKING", 16384)
"""Output token budget (thinking included) of a model call with extended thinking."""

LOCAL_WORKERS = env_int("FOUNDRY_AGENT_LOCAL_WORKERS", 4)
"""Threads running CPU-heavy local-provider work off the event loop."""
