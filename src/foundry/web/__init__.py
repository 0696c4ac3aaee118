"""The web process: the user interface, rendered from backend subscriptions."""
