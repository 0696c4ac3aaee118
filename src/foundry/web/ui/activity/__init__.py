"""The activity feed: the program's one-line-per-event stream, live, newest first, paged like
the audit timeline (see `foundry.web.ui.audit`)."""

from __future__ import annotations

from foundry.web.ui.audit import Timeline

ACTIVITY = Timeline(
    "activity", "activity:timeline", "createdAt", "activity/entries.html", "activity"
)
"""The feed as a timeline: `activity:timeline` windows over `createdAt`."""
