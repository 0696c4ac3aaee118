"""Every tunable of the local provider's algorithms, each an environment-overridable default.

A knob's docstring says what it bounds; read them here, never as magic numbers in the code.
"""

from __future__ import annotations

from foundry.env import env_float, env_int

REQUIREMENT_THRESHOLD = env_float("FOUNDRY_LOCAL_REQUIREMENT_THRESHOLD", 2.0)
"""Cue score a sentence needs before analyze-document calls it a requirement."""

NFR_MIN_SCORE = env_float("FOUNDRY_LOCAL_NFR_MIN_SCORE", 1.0)
"""Lexicon score a non-functional category needs before it beats `functional`."""

DUPLICATE_SIMILARITY = env_float("FOUNDRY_LOCAL_DUPLICATE_SIMILARITY", 0.62)
"""Hybrid similarity at or above which an extracted requirement duplicates an existing one."""

UPDATE_SIMILARITY = env_float("FOUNDRY_LOCAL_UPDATE_SIMILARITY", 0.40)
"""Hybrid similarity at or above which an extracted requirement updates an existing one."""

WORKSTREAM_MIN_SIMILARITY = env_float("FOUNDRY_LOCAL_WORKSTREAM_MIN_SIMILARITY", 0.12)
"""Similarity a workstream needs before it is suggested for a requirement."""

DEPENDENCY_MIN_CONFIDENCE = env_float("FOUNDRY_LOCAL_DEPENDENCY_MIN_CONFIDENCE", 0.35)
"""Confidence below which a suggested dependency is dropped."""

SPRINT_RISK_BUFFER_PERCENT = env_float("FOUNDRY_LOCAL_SPRINT_RISK_BUFFER_PERCENT", 15.0)
"""Share of raw team capacity held back as a risk buffer when the sprint config names none."""

CODEBASE_MAX_FILES = env_int("FOUNDRY_LOCAL_CODEBASE_MAX_FILES", 2000)
"""Source files analyze-codebase parses before it stops walking the tree."""

CODEBASE_MAX_FILE_BYTES = env_int("FOUNDRY_LOCAL_CODEBASE_MAX_FILE_BYTES", 200_000)
"""Files larger than this are listed as nodes but not parsed."""

EVIDENCE_MAX_FILES = env_int("FOUNDRY_LOCAL_EVIDENCE_MAX_FILES", 5)
"""Candidate files analyze-requirement cites as evidence."""
