"""The feature UI: one folder per domain, each with its views and templates."""
