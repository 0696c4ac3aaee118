"""The AcmeCorp demo data: exact spreads, valid values and resolvable references."""

from __future__ import annotations

from collections import Counter

from foundry.app.seed import acme_data as data

WORKSTREAM_CODES = ("WS1", "WS2", "WS3", "WS4", "WS5", "WS6", "WS7")
WORKSTREAM_NAMES = (
    "Storefront Foundation & Catalog",
    "Customer Accounts & Auth",
    "Pricing & Pricebooks",
    "Order Management & Checkout",
    "Integration & Data Migration",
    "Content & Experience",
    "Testing & Deployment",
)
BATCHES = (
    ("Foundation", 17),
    ("Catalog & Products", 17),
    ("Customer & Auth", 17),
    ("Pricing & Orders", 17),
    ("Integration", 17),
    ("Content & UX", 17),
    ("Testing & Launch", 16),
)
PRIORITIES = ("must_have", "should_have", "nice_to_have", "deferred")
FIT_GAPS = ("native", "config", "custom_dev", "third_party", "not_feasible")
EFFORTS = ("low", "medium", "high", "very_high")
REQUIREMENT_STATUSES = ("draft", "approved", "in_progress")
SEVERITIES = ("critical", "high", "medium", "low")
PROBABILITIES = ("very_likely", "likely", "possible", "unlikely")
RISK_STATUSES = ("open", "mitigating")
STORY_POINTS = (1, 2, 3, 5, 8)
TASK_PRIORITIES = ("critical", "high", "medium", "low")
TASK_STATUSES = ("backlog", "todo", "in_progress", "review", "done")
PLATFORMS = ("magento", "salesforce_b2b", "bigcommerce_b2b", "sitecore", "wordpress", "none")


def test_program() -> None:
    program = data.PROGRAM
    assert program["name"] == "AcmeCorp Migration"
    assert program["clientName"] == "AcmeCorp"
    assert program["slug"] == "acmecorp-migration"
    assert program["sourcePlatform"] == "magento"
    assert program["targetPlatform"] == "salesforce_b2b"
    assert program["engagementType"] == "migration"
    assert program["phase"] == "discovery"
    assert program["status"] == "active"
    for figure in ("880", "9,000", "2,000", "49,000", "8 buyer personas"):
        assert figure in program["description"]
    assert program["techStack"]
    for entry in program["techStack"]:
        assert entry["category"] and entry["technologies"]
        assert all(isinstance(t, str) and t for t in entry["technologies"])
    assert program["sourcePlatform"] in PLATFORMS and program["targetPlatform"] in PLATFORMS


def test_org_and_login() -> None:
    assert data.ORG_NAME == "AcmeCorp"
    assert data.DEMO_LOGIN == {
        "email": "demo@acmecorp.example",
        "name": "Demo User",
        "password": "demo-password-123",
    }


def test_workstreams() -> None:
    workstreams = data.WORKSTREAMS
    assert [w["shortCode"] for w in workstreams] == list(WORKSTREAM_CODES)
    assert [w["name"] for w in workstreams] == list(WORKSTREAM_NAMES)
    assert [w["sortOrder"] for w in workstreams] == list(range(1, 8))
    for w in workstreams:
        assert w["description"].strip()
        assert w["sprintCadence"] == 14
        assert w["currentSprint"] == 1
        assert w["status"] == "on_track"


def test_requirement_ref_ids_are_sequential() -> None:
    assert [r["refId"] for r in data.REQUIREMENTS] == [f"REQ-{n:03d}" for n in range(1, 119)]


def test_requirement_batches_are_contiguous_and_ordered() -> None:
    expected = [name for name, size in BATCHES for _ in range(size)]
    assert [r["batch"] for r in data.REQUIREMENTS] == expected


def test_requirement_spreads() -> None:
    reqs = data.REQUIREMENTS
    assert len(reqs) == 118
    assert Counter(r["batch"] for r in reqs) == Counter(dict(BATCHES))
    assert Counter(r["workstream"] for r in reqs) == Counter(
        {"WS1": 26, "WS2": 25, "WS3": 7, "WS4": 10, "WS5": 17, "WS6": 17, "WS7": 16}
    )
    assert Counter(r["priority"] for r in reqs) == Counter(
        {"must_have": 48, "should_have": 34, "nice_to_have": 21, "deferred": 15}
    )
    assert Counter(r["fitGap"] for r in reqs) == Counter(
        {"native": 27, "config": 33, "custom_dev": 34, "third_party": 15, "not_feasible": 9}
    )
    assert Counter(r["effortEstimate"] for r in reqs) == Counter(
        {"low": 26, "medium": 36, "high": 28, "very_high": 28}
    )
    assert Counter(r["status"] for r in reqs) == Counter(
        {"draft": 83, "approved": 29, "in_progress": 6}
    )


def test_requirement_values() -> None:
    titles = [r["title"] for r in data.REQUIREMENTS]
    assert len(set(titles)) == len(titles)
    for r in data.REQUIREMENTS:
        assert r["workstream"] in WORKSTREAM_CODES
        assert r["priority"] in PRIORITIES
        assert r["fitGap"] in FIT_GAPS
        assert r["effortEstimate"] in EFFORTS
        assert r["status"] in REQUIREMENT_STATUSES
        assert r["title"].strip() and len(r["title"]) <= 120, r["refId"]
        assert r["description"].strip(), r["refId"]


def test_not_feasible_requirements_are_not_core_scope() -> None:
    for r in data.REQUIREMENTS:
        if r["fitGap"] == "not_feasible":
            assert r["priority"] in ("deferred", "nice_to_have"), r["refId"]


def test_risks() -> None:
    assert len(data.RISKS) == 8
    titles = [risk["title"] for risk in data.RISKS]
    assert len(set(titles)) == len(titles)
    for risk in data.RISKS:
        assert risk["title"].strip() and risk["description"].strip()
        assert risk["mitigation"].strip()
        assert risk["severity"] in SEVERITIES
        assert risk["probability"] in PROBABILITIES
        assert risk["status"] in RISK_STATUSES
        assert risk["workstreams"]
        assert all(code in WORKSTREAM_CODES for code in risk["workstreams"])


def test_sprint() -> None:
    sprint = data.SPRINT
    assert sprint["workstream"] == "WS1"
    assert sprint["name"] == "Sprint 1" and sprint["number"] == 1
    assert sprint["goal"].strip()
    assert sprint["status"] == "active"
    assert sprint["capacity"] == 40 and sprint["durationDays"] == 14


def test_tasks() -> None:
    tasks = data.TASKS
    assert len(tasks) == 12
    ws1_refs = {r["refId"] for r in data.REQUIREMENTS if r["workstream"] == "WS1"}
    assert set(Counter(t["status"] for t in tasks)) == set(TASK_STATUSES)
    titles = [t["title"] for t in tasks]
    assert len(set(titles)) == len(titles)
    for t in tasks:
        assert t["title"].strip() and t["description"].strip()
        assert 2 <= len(t["acceptanceCriteria"]) <= 4
        assert all(c.strip() for c in t["acceptanceCriteria"])
        assert t["storyPoints"] in STORY_POINTS
        assert t["priority"] in TASK_PRIORITIES
        assert t["status"] in TASK_STATUSES
        assert t["requirement"] in ws1_refs
        assert t["workstream"] == "WS1"
        assert isinstance(t["inSprint"], bool)
    committed = sum(t["storyPoints"] for t in tasks if t["inSprint"])
    assert 0 < committed <= data.SPRINT["capacity"]


def test_gate() -> None:
    gate = data.GATE
    assert gate["name"] == "Foundation Gate"
    assert gate["workstream"] == "WS1"
    assert gate["gateType"] == "foundation"
    assert 4 <= len(gate["criteria"]) <= 6
    for criterion in gate["criteria"]:
        assert criterion["title"].strip() and criterion["description"].strip()
