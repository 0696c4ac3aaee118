"""The agent service: stateless AI inference with structured JSON output."""
