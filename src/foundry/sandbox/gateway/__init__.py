"""The host-side model gateway: per-session tokens, budgets and key injection for sandboxes.

gateway = Gateway()                      # upstreams and keys from the host's environment
token = gateway.issue(session_id, budget_usd=2.0, max_tokens=2_000_000)
# the sandbox gets ANTHROPIC_BASE_URL=<gateway url>, ANTHROPIC_API_KEY=<token>
gateway.revoke(token)                    # at session end
"""

from foundry.sandbox.gateway.app import Gateway, UpstreamConfig, redact
from foundry.sandbox.gateway.ledger import (
    BudgetExhausted,
    GatewayRefusal,
    InvalidToken,
    SessionUsage,
    UpstreamUnavailable,
)
from foundry.sandbox.gateway.pricing import Usage, cost_usd
from foundry.sandbox.gateway.server import serving

__all__ = [
    "BudgetExhausted",
    "Gateway",
    "GatewayRefusal",
    "InvalidToken",
    "SessionUsage",
    "UpstreamConfig",
    "UpstreamUnavailable",
    "Usage",
    "cost_usd",
    "redact",
    "serving",
]
