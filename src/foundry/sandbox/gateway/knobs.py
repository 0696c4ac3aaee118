"""Every tunable of the model gateway, each an environment-overridable default."""

from __future__ import annotations

from foundry.env import env_float

UPSTREAM_CONNECT_TIMEOUT_S = env_float("FOUNDRY_GATEWAY_CONNECT_TIMEOUT_S", 10.0)
"""Seconds to open a connection to the upstream model API."""

UPSTREAM_READ_TIMEOUT_S = env_float("FOUNDRY_GATEWAY_READ_TIMEOUT_S", 600.0)
"""Seconds to wait for the next bytes of an upstream answer (long generations stream slowly)."""

MAX_REQUEST_BYTES = int(env_float("FOUNDRY_GATEWAY_MAX_REQUEST_BYTES", 32 * 1024 * 1024))
"""Size of one request body a sandbox may send through the gateway."""

UNKNOWN_MODEL_INPUT_USD_PER_MTOK = env_float("FOUNDRY_GATEWAY_UNKNOWN_INPUT_USD_PER_MTOK", 15.0)
"""Price charged per million input tokens of a model missing from the pricing table (errs high)."""

UNKNOWN_MODEL_OUTPUT_USD_PER_MTOK = env_float("FOUNDRY_GATEWAY_UNKNOWN_OUTPUT_USD_PER_MTOK", 75.0)
"""Price charged per million output tokens of a model missing from the pricing table."""
