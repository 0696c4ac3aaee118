"""refine-requirement: weak words, scores, splitting compound requirements."""

from __future__ import annotations

from foundry.agent.local.algorithms.requirements import refine_requirement, split_requirement


def test_weak_words_lower_clarity_and_testability() -> None:
    vague = refine_requirement(
        {
            "title": "Search",
            "description": (
                "The search should be fast and user-friendly, and/or support filters etc."
            ),
        },
        None,
    )
    crisp = refine_requirement(
        {
            "title": "Search",
            "description": (
                "The system shall return search results within 2 seconds for 95% of queries when "
                "500 users are active."
            ),
            "acceptanceCriteria": ["p95 < 2 s under 500 users"],
        },
        None,
    )
    flagged = {s["current_text"] for s in vague["suggestions"] if s["area"] == "ambiguity"}
    assert {"fast", "user-friendly", "and/or", "etc."} <= flagged
    va, ca = vague["overall_assessment"], crisp["overall_assessment"]
    for key in ("clarity_score", "completeness_score", "testability_score"):
        assert 1 <= va[key] <= 10 and 1 <= ca[key] <= 10
    assert ca["clarity_score"] > va["clarity_score"]
    assert ca["testability_score"] > va["testability_score"]
    assert not crisp["potential_split"]["should_split"]


def test_compound_requirement_is_split() -> None:
    parts = split_requirement(
        "The system shall validate the address and shall send a confirmation email to the customer."
    )
    assert parts == [
        "The system shall validate the address.",
        "The system shall send a confirmation email to the customer.",
    ]
    r = refine_requirement(
        {
            "title": "t",
            "description": (
                "The portal must export invoices to PDF and email them to the client; archive "
                "them for seven years."
            ),
        },
        None,
    )
    assert r["potential_split"]["should_split"]
    assert len(r["potential_split"]["proposed_sub_requirements"]) == 3


def test_atomic_requirement_is_not_split() -> None:
    assert split_requirement("The system shall export invoices to PDF.") == [
        "The system shall export invoices to PDF."
    ]


def test_related_requirements_found() -> None:
    context = {
        "existingRequirements": [
            {
                "refId": "REQ-9",
                "title": "PDF invoices",
                "description": "Invoices can be exported as PDF files.",
            },
            {"refId": "REQ-3", "title": "Dark mode", "description": "Offer a dark colour theme."},
        ]
    }
    r = refine_requirement(
        {"title": "Invoice export", "description": "The system shall export invoices to PDF."},
        context,
    )
    assert [x["requirement_id"] for x in r["related_requirements"]] == ["REQ-9"]
