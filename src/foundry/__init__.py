"""Foundry: an open agentic delivery platform."""

__version__ = "0.1.0"
