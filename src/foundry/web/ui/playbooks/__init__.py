"""Playbooks: reusable step lists, their step editor, and instances that create tasks."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData

from foundry.app.playbooks import PLATFORMS, PLAYBOOK_MOVES, STATUSES
from foundry.web.live import Region, Tab
from foundry.web.live_forms import FormContext
from foundry.web.templating import render
from foundry.web.ui.shell import live, program_shell

LIST = "playbooks-list"
PLAYBOOK = "playbook"
INSTANCES = "playbook-instances"
PAGE_SIZE = 200  # the backend's page limit
INSTANCES_SHOWN = 20
ASSETS = Markup(
    '<link rel="stylesheet" href="/static/playbooks.css">'
    '<script src="/assets/sortablejs/Sortable.min.js" defer></script>'
    '<script src="/static/playbooks.js" defer></script>'
)
LABELS = {
    "salesforce_b2b": "Salesforce B2B",
    "bigcommerce_b2b": "BigCommerce B2B",
    "sitecore": "Sitecore",
    "wordpress": "WordPress",
    "none": "None",
    "platform_agnostic": "Platform agnostic",
    "draft": "Draft",
    "published": "Published",
    "archived": "Archived",
    "active": "Active",
    "completed": "Completed",
    "cancelled": "Cancelled",
}
MOVE_LABELS = {"published": "Publish", "draft": "Back to draft", "archived": "Archive"}
MOVES = {s: [m for m in STATUSES if m in PLAYBOOK_MOVES[s]] for s in STATUSES}
STEP_FIELDS = ("title", "description", "estimatedHours", "workstreamId")


class BadField(Exception):
    """A form value the web process could not turn into an argument."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def step_values(form: FormData) -> dict[str, str]:
    """A step form's fields as the user typed them."""
    return {k: str(form.get(k, "")).strip() for k in STEP_FIELDS}


def step_args(values: dict[str, str]) -> dict[str, Any]:
    """A step's mutation arguments from its form's text (BadField if unreadable)."""
    args: dict[str, Any] = {k: values[k] for k in ("title", "description", "workstreamId")}
    args = {k: val for k, val in args.items() if val or k == "title"}
    if values["estimatedHours"]:
        try:
            args["estimatedHours"] = float(values["estimatedHours"])
        except ValueError:
            raise BadField("estimatedHours", "estimatedHours must be a number of hours") from None
    return args


def field_of(path: str | None) -> str | None:
    """The form field a backend error path names ("steps[2].title" → "title")."""
    return None if path is None else path.rsplit(".", 1)[-1]


def shared(
    program: dict[str, Any], forms: FormContext | None, workstreams: list[dict[str, Any]]
) -> dict[str, Any]:
    """Names every playbook template may use."""
    return {
        "program": program,
        "forms": forms,
        "labels": LABELS,
        "moves": MOVES,
        "move_labels": MOVE_LABELS,
        "platforms": PLATFORMS,
        "workstreams": workstreams,
        "ws_names": {ws["_id"]: ws["shortCode"] for ws in workstreams},
    }


def list_region(program: dict[str, Any]) -> Region:
    """The program's playbooks, newest first, live."""
    return Region(
        LIST,
        "playbooks:list",
        {"programId": program["_id"], "numItems": PAGE_SIZE},
        lambda value: render("playbooks/list.html", page=value, **shared(program, None, [])),
    )


def playbook_region(
    program: dict[str, Any], playbook_id: str, forms: FormContext, workstreams: list[dict[str, Any]]
) -> Region:
    """One playbook: status buttons and the step editor, live."""
    return Region(
        PLAYBOOK,
        "playbooks:get",
        {"playbookId": playbook_id},
        lambda value: render(
            "playbooks/playbook.html", pb=value, **shared(program, forms, workstreams)
        ),
    )


def instances_region(program: dict[str, Any], playbook_id: str) -> Region:
    """The playbook's newest instances with links to their tasks, live."""
    return Region(
        INSTANCES,
        "playbooks:instances_with_tasks",
        {"playbookId": playbook_id, "numItems": INSTANCES_SHOWN},
        lambda value: render(
            "playbooks/instances.html", instances=value, program=program, labels=LABELS
        ),
    )


def create_form(
    program: dict[str, Any],
    forms: FormContext,
    values: dict[str, str] | None = None,
    error: str | None = None,
    field: str | None = None,
) -> Markup:
    """The form that creates a draft playbook, with an error beside its field."""
    return render(
        "playbooks/form.html",
        values=values or {},
        error=error,
        field=field,
        **shared(program, forms, []),
    )


def step_form(
    program: dict[str, Any],
    forms: FormContext,
    workstreams: list[dict[str, Any]],
    playbook_id: str,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    field: str | None = None,
    index: int | None = None,
) -> Markup:
    """The add-step form (no index) or one step's edit form, with an error beside its field."""
    return render(
        "playbooks/step_form.html",
        pb_id=playbook_id,
        values=values or {},
        error=error,
        field=field,
        index=index,
        **shared(program, forms, workstreams),
    )


def small_form(
    program: dict[str, Any], forms: FormContext, playbook_id: str, form: FormData, error: str
) -> Markup:
    """A one-button form (move, remove, status) again, with the backend's reason."""
    fields = {k: str(val) for k, val in form.items() if k not in ("csrf", "tab")}
    return render(
        "playbooks/small_form.html",
        pb_id=playbook_id,
        fields=fields,
        label=str(form.get("label", "")),
        error=error,
        **shared(program, forms, []),
    )


def steps_of(tab: Tab) -> list[dict[str, Any]]:
    """The playbook's steps as the tab currently sees them."""
    current = tab.regions[PLAYBOOK]
    steps: list[dict[str, Any]] = tab.client.local_result(current.path, current.args)["steps"]
    return steps


def list_page(tab: Tab, program: dict[str, Any], forms: FormContext) -> str:
    """The playbooks page's body: the create form and the live list."""
    return render(
        "playbooks/page.html",
        assets=ASSETS,
        form=create_form(program, forms),
        playbooks=live(tab, LIST),
    )


def detail_page(
    tab: Tab, program: dict[str, Any], forms: FormContext, workstreams: list[dict[str, Any]]
) -> str:
    """A playbook's page: the live step editor, the add-step and instantiate forms, instances."""
    playbook_id = tab.regions[PLAYBOOK].args["playbookId"]
    return render(
        "playbooks/detail_page.html",
        assets=ASSETS,
        playbook=live(tab, PLAYBOOK),
        instances=live(tab, INSTANCES),
        add_form=step_form(program, forms, workstreams, playbook_id),
        start_form=instantiate_form(program, forms, playbook_id),
        pb_id=playbook_id,
        **shared(program, forms, workstreams),
    )


def instantiate_form(
    program: dict[str, Any],
    forms: FormContext,
    playbook_id: str,
    name: str = "",
    error: str | None = None,
) -> Markup:
    """The form that starts an instance of the playbook."""
    return render(
        "playbooks/instantiate.html",
        pb_id=playbook_id,
        name=name,
        error=error,
        **shared(program, forms, []),
    )


def shell_of(
    shell: dict[str, Any], program: dict[str, Any], tab_id: str, pb: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    trail = [("Playbooks", "/playbooks")]
    if pb is not None:
        trail.append((pb["name"], f"/playbooks/{pb['_id']}"))
    return program_shell(shell, program, tab_id, *trail)


def reorder_refused(
    program: dict[str, Any], forms: FormContext, playbook_id: str, error: str
) -> Markup:
    """The hidden reorder form, shown with the backend's reason for refusing a drag."""
    return render(
        "playbooks/reorder.html", pb_id=playbook_id, error=error, **shared(program, forms, [])
    )


def index_of(form: FormData) -> int:
    """A step form's position (-1, which the backend refuses, when it is not a number)."""
    text = str(form.get("index", ""))
    return int(text) if text.isdigit() else -1
