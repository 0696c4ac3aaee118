"""Mission control: a program's dashboard, one live region per block over one shared query.

Every block renders from `mission_control:overview`; the backend client shares one
subscription between regions with the same query, so the page costs one query per change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from foundry.web.live import Region
from foundry.web.templating import render
from foundry.web.ui.shell import region
from foundry.web.ui.workstreams import shared_context

BLOCKS = (
    ("kpis", "Key figures"),
    ("pipeline", "Delivery pipeline"),
    ("workstreams", "Workstreams"),
    ("attention", "Needs attention"),
    ("activity", "Recent activity"),
)
"""The dashboard's blocks in page order: (name, heading)."""

ONBOARDING = "overview-onboarding"
"""The "Get started" checklist's region (above the blocks; it renders its own heading)."""

STEPS = (
    ("requirements", "Add requirements", "requirements"),
    ("workstreams", "Create workstreams", "workstreams"),
    ("team", "Invite the team", "settings/team"),
    ("skills", "Add skills (fork a template)", "skills"),
    ("sprints", "Plan a sprint", "sprints"),
    ("risks", "Raise a risk", "risks"),
)
"""The checklist's steps: (step in `mission_control:overview`'s onboarding, label, page)."""


def region_name(block: str) -> str:
    """The live region that holds one block."""
    return f"overview-{block}"


def _renderer(block: str, program: dict[str, Any]) -> Callable[[Any], str]:
    def render_block(value: Any) -> str:
        return render(f"overview/{block}.html", o=value, **shared_context(program, None))

    return render_block


def _render_onboarding(program: dict[str, Any]) -> Callable[[Any], str]:
    def render_checklist(value: Any) -> str:
        return render("overview/onboarding.html", o=value, program=program, steps=STEPS)

    return render_checklist


def regions(program: dict[str, Any]) -> list[Region]:
    """The dashboard's regions, every one a view of the program's overview."""
    args = {"programId": program["_id"]}
    checklist = Region(ONBOARDING, "mission_control:overview", args, _render_onboarding(program))
    return [checklist] + [
        Region(region_name(block), "mission_control:overview", args, _renderer(block, program))
        for block, _ in BLOCKS
    ]


def dashboard(program: dict[str, Any], html: dict[str, str], ts: int) -> str:
    """The page body: a headed section per block around its region's first HTML."""
    wrapped = {
        block: region(region_name(block), html[region_name(block)], ts) for block, _ in BLOCKS
    }
    onboarding = region(ONBOARDING, html[ONBOARDING], ts)
    return render(
        "overview/page.html", program=program, blocks=BLOCKS, wrapped=wrapped, onboarding=onboarding
    )
