"""Python clients for a foundry backend, modelled on Convex's.

- `AsyncClient`: live subscriptions, mutations and actions over the sync WebSocket.
- `Client`: the same for synchronous code (an `AsyncClient` on a background thread).
- `HttpClient` / `SyncHttpClient`: one HTTP request per call, no live updates.
"""

from foundry.client.errors import (
    AuthenticationError,
    ClientError,
    ConnectionLost,
    FunctionError,
)
from foundry.client.http import HttpClient, SyncHttpClient
from foundry.client.local_state import FunctionResult
from foundry.client.subscription import Subscription
from foundry.client.sync import AsyncClient
from foundry.client.sync_client import Client

__all__ = [
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "ClientError",
    "ConnectionLost",
    "FunctionError",
    "FunctionResult",
    "HttpClient",
    "Subscription",
    "SyncHttpClient",
]
