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


def region_name(block: str) -> str:
    """The live region that holds one block."""
    return f"overview-{block}"


def _renderer(block: str, program: dict[str, Any]) -> Callable[[Any], str]:
    def render_block(value: Any) -> str:
        return render(f"overview/{block}.html", o=value, **shared_context(program, None))

    return render_block


def regions(program: dict[str, Any]) -> list[Region]:
    """The dashboard's regions, every one a view of the program's overview."""
    args = {"programId": program["_id"]}
    return [
        Region(region_name(block), "mission_control:overview", args, _renderer(block, program))
        for block, _ in BLOCKS
    ]


def dashboard(program: dict[str, Any], html: dict[str, str], ts: int) -> str:
    """The page body: a headed section per block around its region's first HTML."""
    wrapped = {
        block: region(region_name(block), html[region_name(block)], ts) for block, _ in BLOCKS
    }
    return render("overview/page.html", program=program, blocks=BLOCKS, wrapped=wrapped)
