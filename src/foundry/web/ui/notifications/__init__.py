"""The notifications page: the caller's newest notifications and the "mark all read" form."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from foundry.web.live import Region
from foundry.web.templating import render

PAGE_SIZE = 50
LIST = "notifications-list"


def list_region(org_id: str, program_id: str | None = None) -> Region:
    """The caller's newest notifications (of one program when `program_id` is given), live."""

    def draw(page: Any) -> str:
        rows = [
            row
            for row in (page or {}).get("page", [])
            if program_id is None or row.get("programId") == program_id
        ]
        return render("notifications/list.html", rows=rows)

    return Region(LIST, "notifications:mine", {"orgId": org_id, "numItems": PAGE_SIZE}, draw)


def mark_all_form(action: str, csrf: str, tab_id: str) -> Markup:
    """The live form that marks every notification read."""
    return render("notifications/mark_all.html", action=action, csrf=csrf, tab_id=tab_id)
