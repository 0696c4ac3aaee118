"""decompose-task and generate-subtasks from task-type templates."""

from __future__ import annotations

import itertools

from foundry.agent.local.algorithms.tasks import decompose_task, generate_subtasks
from foundry.agent.local.algorithms.templates import detect_task_type


def test_task_types_detected_from_wording() -> None:
    assert detect_task_type("Fix the crash when saving an empty invoice") == "bug_fix"
    assert detect_task_type("Migrate legacy customer records to the new CRM") == "data_migration"
    assert (
        detect_task_type("Integrate with the Xero accounting API to sync invoices") == "integration"
    )
    assert detect_task_type("Add a REST endpoint returning order status") == "api_endpoint"
    assert detect_task_type("Build the checkout form with address fields") == "ui_component"
    assert detect_task_type("Let managers approve refunds") == "feature"


def test_decomposition_has_ordered_tasks_with_criteria() -> None:
    req = {
        "title": "Xero sync",
        "description": (
            "The system shall sync invoices to Xero within 5 minutes of approval and shall "
            "notify finance on failure."
        ),
    }
    d = decompose_task(req, {"teamVelocity": 10})
    tasks = d["tasks"]
    assert len(tasks) == 5 and tasks[0]["dependencies"] == []
    for prev, task in itertools.pairwise(tasks):
        assert task["dependencies"] == [prev["title"]]
    assert all(t["acceptance_criteria"] and t["story_points"] > 0 for t in tasks)
    assert any(
        c.startswith("Verified:") and "5 minutes" in c
        for t in tasks
        for c in t["acceptance_criteria"]
    )
    assert d["estimated_total_points"] == sum(t["story_points"] for t in tasks)
    assert d["estimated_sprint_count"] == 2
    assert decompose_task(req, {"teamVelocity": 10}) == d


def test_subtasks_are_sized_for_an_agent() -> None:
    out = generate_subtasks(
        {
            "title": "Fix crash when saving empty invoice",
            "description": "Saving an invoice with no lines raises an exception.",
        },
        {"files": ["src/billing/invoice.py", "src/billing/tax.py", "tests/test_invoice.py"]},
    )
    subs = out["subtasks"]
    assert [s["order"] for s in subs] == list(range(len(subs)))
    assert 1 <= len(subs) <= 8
    for s in subs:
        assert 1 <= s["complexityScore"] <= 5 and 1 <= s["estimatedFiles"] <= 3
        assert s["estimatedDurationMs"] > 0 and s["prompt"] and s["acceptanceCriteria"]
    assert "src/billing/invoice.py" in subs[0]["allowedFiles"]
    assert subs[-1]["isPausePoint"]
