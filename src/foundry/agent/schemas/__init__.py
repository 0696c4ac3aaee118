"""Pydantic models of every agent route: `XRequest` in, `XResponse` out (a module per area)."""
