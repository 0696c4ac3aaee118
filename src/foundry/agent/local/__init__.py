"""The local provider: offline analysis (algorithms/) with labelled heuristic fallbacks."""
