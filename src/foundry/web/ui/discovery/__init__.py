"""Discovery: the program's documents and the review queue of the findings proposed from them.

Every list is a live region: documents, the pending queue (grouped by type), the findings ready to
import (approved or edited) and the imported ones, plus the section counts. Posts run through the
page's tab so the answer shows the writer's own change first; without JavaScript they redirect
back to the page (the upload form re-renders the page with its error instead).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from foundry.client.errors import FunctionError
from foundry.web.live import Region, Tab
from foundry.web.templating import render
from foundry.web.ui.shell import live, program_shell

# Mirrors foundry.app.documents / foundry.app.findings (the web process does not import app/).
CATEGORIES = ("requirements", "architecture", "meeting_notes", "testing", "deployment", "other")
TYPES = ("requirement", "risk", "integration", "decision", "action_item")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
ALLOWED_EXTENSIONS = (
    "pdf", "doc", "docx", "odt", "rtf", "txt", "md", "csv", "tsv", "xls", "xlsx", "ods",
    "ppt", "pptx", "odp", "json", "xml", "html", "vtt",
)  # fmt: skip
PAGE_SIZE = 200  # the backend's page limit
DOCS, COUNTS = "discovery-documents", "discovery-counts"
PENDING, APPROVED, EDITED, IMPORTED = (
    "discovery-pending",
    "discovery-approved",
    "discovery-edited",
    "discovery-imported",
)
FINDING_REGIONS = [COUNTS, PENDING, APPROVED, EDITED, IMPORTED]
LABELS = {
    "requirement": "Requirements",
    "risk": "Risks",
    "integration": "Integrations",
    "decision": "Decisions",
    "action_item": "Action items",
    "none": "Uploaded",
    "queued": "Queued",
    "analyzing": "Analyzing",
    "complete": "Analyzed",
    "failed": "Error",
    "meeting_notes": "Meeting notes",
    "must_have": "Must have",
    "should_have": "Should have",
    "nice_to_have": "Nice to have",
    "deferred": "Deferred",
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "very_likely": "Very likely",
    "likely": "Likely",
    "possible": "Possible",
    "unlikely": "Unlikely",
}
CHOICES = {
    "priority": ("must_have", "should_have", "nice_to_have", "deferred"),
    "severity": ("critical", "high", "medium", "low"),
    "probability": ("very_likely", "likely", "possible", "unlikely"),
}
CHOICE_DEFAULTS = {"priority": "should_have", "severity": "medium", "probability": "possible"}
"""What an import uses when a finding names no value (foundry.app.findings.create_from_finding)."""
EDIT_FIELDS = {
    "requirement": ("title", "description", "priority"),
    "risk": ("title", "description", "severity", "probability"),
    "integration": ("name", "sourceSystem", "targetSystem", "description"),
    "decision": ("title", "description"),
    "action_item": ("title", "description"),
}
FIELD_LABELS = {
    "title": "Title",
    "name": "Name",
    "description": "Description",
    "priority": "Priority",
    "severity": "Severity",
    "probability": "Probability",
    "sourceSystem": "Source system",
    "targetSystem": "Target system",
}


@dataclass
class Forms:
    """What the forms inside the regions post with; the tab is known once it opens."""

    csrf: str
    program: dict[str, Any]
    tab: Tab | None = None
    errors: dict[str, tuple[str, str | None, dict[str, str]]] = field(default_factory=dict)

    @property
    def tab_id(self) -> str:
        """The page's tab id (empty before the tab opened)."""
        return self.tab.id if self.tab is not None else ""

    def document_names(self) -> dict[str, str]:
        """Document id → file name, from the documents region's current value."""
        if self.tab is None or DOCS not in self.tab.regions:
            return {}
        docs = self.tab.regions[DOCS]
        try:
            page = self.tab.client.local_result(docs.path, docs.args)
        except FunctionError:
            return {}
        return {d["_id"]: d["fileName"] for d in (page or {}).get("page", [])}


def shared(forms: Forms) -> dict[str, Any]:
    """Names every discovery template may use."""
    return {
        "program": forms.program,
        "forms": forms,
        "labels": LABELS,
        "choices": CHOICES,
        "choice_of": choice_of,
        "file_size": file_size,
        "edit_fields": EDIT_FIELDS,
        "field_labels": FIELD_LABELS,
        "proposal": proposal,
        "title_of": title_of,
    }


def choice_of(name: str, value: Any) -> str:
    """The option a finding's value selects ("Must Have" → must_have), else the import default."""
    if isinstance(value, str):
        key = re.sub(r"[\s-]+", "_", value.strip().lower())
        if key in CHOICES[name]:
            return key
    return CHOICE_DEFAULTS[name]


def file_size(size: float) -> str:
    """A byte count for people: "840 B", "12.5 KiB", "4.2 MiB"."""
    if size < 1024:
        return f"{int(size)} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def proposal(finding: dict[str, Any]) -> dict[str, Any]:
    """What a finding proposes now: the reviewer's edit if there is one, else the analysis'."""
    data = finding.get("editedData")
    data = finding.get("data") if data is None else data
    return data if isinstance(data, dict) else {}


def title_of(finding: dict[str, Any]) -> str:
    """A finding's headline."""
    data = proposal(finding)
    for key in ("title", "name"):
        if isinstance(data.get(key), str) and data[key].strip():
            return str(data[key])
    return f"Untitled {finding['type'].replace('_', ' ')}"


def documents_region(forms: Forms) -> Region:
    """The program's documents with status badges, download and delete, live."""
    args = {"programId": forms.program["_id"], "numItems": PAGE_SIZE}
    return Region(
        DOCS,
        "documents:list",
        args,
        lambda value: render("discovery/documents.html", page=value, **shared(forms)),
    )


def counts_region(forms: Forms) -> Region:
    """The section links with how many findings each holds, live."""
    return Region(
        COUNTS,
        "findings:counts",
        {"programId": forms.program["_id"]},
        lambda value: render("discovery/counts.html", counts=value, **shared(forms)),
    )


def queue_region(forms: Forms, name: str, status: str, template: str) -> Region:
    """One status of the program's findings, rendered by `template`, live."""
    args = {"programId": forms.program["_id"], "status": status, "numItems": PAGE_SIZE}
    return Region(
        name,
        "findings:queue",
        args,
        lambda value: render(
            f"discovery/{template}.html",
            page=value,
            status=status,
            grouped=grouped(value["page"]),
            names=forms.document_names(),
            **shared(forms),
        ),
    )


def grouped(findings: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Findings grouped by type, in TYPES order, empty groups left out."""
    groups = [(t, [f for f in findings if f["type"] == t]) for t in TYPES]
    return [(t, rows) for t, rows in groups if rows]


def regions(forms: Forms) -> list[Region]:
    """Every region of the discovery page."""
    return [
        documents_region(forms),
        counts_region(forms),
        queue_region(forms, PENDING, "pending", "pending"),
        queue_region(forms, APPROVED, "approved", "ready"),
        queue_region(forms, EDITED, "edited", "ready"),
        queue_region(forms, IMPORTED, "imported", "imported"),
    ]


def upload_form(
    forms: Forms,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Markup:
    """The document upload form (multipart; progress shown by discovery.js)."""
    return render(
        "discovery/upload.html",
        error=error,
        values=values or {},
        categories=CATEGORIES,
        max_bytes=MAX_UPLOAD_BYTES,
        accept=",".join("." + e for e in ALLOWED_EXTENSIONS),
        **shared(forms),
    )


def edit_form(
    forms: Forms,
    finding: dict[str, Any],
    error: str | None = None,
    error_field: str | None = None,
    values: dict[str, str] | None = None,
) -> Markup:
    """The inline form that corrects what a finding proposes."""
    return render(
        "discovery/edit.html",
        f=finding,
        error=error,
        error_field=error_field,
        values=values if values is not None else proposal(finding),
        **shared(forms),
    )


def discovery_page(tab: Tab, forms: Forms, upload_error: str | None = None) -> Markup:
    """The page body: section links, documents with the upload form, the review sections."""
    return render(
        "discovery/page.html",
        upload=upload_form(forms, upload_error),
        **{
            name.removeprefix("discovery-"): live(tab, name)
            for name in tab.regions
            if name.startswith("discovery-")
        },
        **shared(forms),
    )


def shell_of(shell: dict[str, Any], program: dict[str, Any], tab_id: str) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    return program_shell(shell, program, tab_id, ("Discovery", "/discovery"))


def find_in_tab(tab: Tab, finding_id: str) -> dict[str, Any] | None:
    """A finding as the tab's queues currently show it."""
    for name in (PENDING, APPROVED, EDITED):
        current = tab.regions.get(name)
        if current is None:
            continue
        try:
            page = tab.client.local_result(current.path, current.args)
        except FunctionError:
            continue
        for finding in (page or {}).get("page", []):
            if finding["_id"] == finding_id:
                return dict(finding)
    return None
