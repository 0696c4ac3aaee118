"""The local provider's algorithms: pure, deterministic, offline functions over plain dicts.

Each module answers one agent-service route (documents, requirements, dependencies, tasks,
planning, gates, health, codebase, embedding); `text`, `cues`, `findings` and `templates`
are their shared building blocks and `knobs` holds every tunable.
"""
