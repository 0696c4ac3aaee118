"""Route modules, one per area; each exposes ROUTES (the app collects them all)."""
