"""Task-type templates: how a kind of work decomposes, with acceptance criteria per step.

`{subject}` is replaced with the requirement's or task's short subject. A template is chosen by
the detection patterns; `feature` is the fallback.
"""

from __future__ import annotations

import re

# a step: (title, description, criteria, points, skills, file globs, complexity 1-5)
Step = tuple[str, str, tuple[str, ...], int, tuple[str, ...], tuple[str, ...], int]

TEMPLATES: dict[str, tuple[str, tuple[Step, ...]]] = {
    "bug_fix": (
        r"\b(?:bug|fix|defect|error|crash|broken|regression|incorrect|fails?|exception)\b",
        (
            (
                "Reproduce {subject}",
                "Write a failing test that reproduces {subject}.",
                ("A test fails on the current code for the reported reason",),
                1,
                ("testing",),
                ("tests/**",),
                2,
            ),
            (
                "Fix the root cause of {subject}",
                "Change the code so the failing test passes without weakening other tests.",
                ("The reproducing test passes", "No other test changes outcome"),
                2,
                ("backend",),
                ("src/**",),
                3,
            ),
            (
                "Guard against regressions of {subject}",
                "Add edge-case tests around the fix and note the cause in the change log.",
                ("Edge cases around the fix are covered by tests",),
                1,
                ("testing",),
                ("tests/**", "CHANGELOG*"),
                2,
            ),
        ),
    ),
    "data_migration": (
        r"\b(?:migrat\w*|backfill|import (?:legacy|historical)|data load|etl|convert (?:legacy|"
        r"existing) data)\b",
        (
            (
                "Map source to target for {subject}",
                "Document field mappings, transformations and defaults.",
                ("Every source field is mapped or explicitly dropped",),
                2,
                ("data",),
                ("docs/**", "migrations/**"),
                2,
            ),
            (
                "Write the migration for {subject}",
                "Implement an idempotent, batched migration script with a dry-run mode.",
                ("A second run changes nothing", "Dry run reports counts without writing"),
                5,
                ("data", "backend"),
                ("migrations/**", "scripts/**"),
                4,
            ),
            (
                "Validate migrated data for {subject}",
                "Reconcile record counts and checksums between source and target.",
                ("Counts match per entity", "A sample of 50 records matches field by field"),
                3,
                ("data", "testing"),
                ("tests/**", "scripts/**"),
                3,
            ),
            (
                "Plan rollback for {subject}",
                "Write and rehearse the rollback procedure.",
                ("Rollback restores the pre-migration state in a rehearsal",),
                2,
                ("devops",),
                ("docs/**", "scripts/**"),
                3,
            ),
        ),
    ),
    "integration": (
        r"\b(?:integrat\w*|sync\w*|webhook|third[- ]party|external (?:system|api|service)|sftp|"
        r"edi|connector|feed)\b",
        (
            (
                "Define the contract for {subject}",
                "Specify payloads, authentication, error codes and rate limits with the "
                "external owner.",
                ("The payload schema is written down and agreed",),
                2,
                ("integration",),
                ("docs/**", "src/**/schemas*"),
                2,
            ),
            (
                "Build the client for {subject}",
                "Implement the client with timeouts, retries with backoff, and typed errors.",
                (
                    "Calls time out after a bounded wait",
                    "Transient failures are retried with backoff",
                ),
                5,
                ("backend", "integration"),
                ("src/**/integrations/**",),
                4,
            ),
            (
                "Map and persist data for {subject}",
                "Transform external records to the internal model and store them idempotently.",
                ("Re-delivering the same record does not duplicate it",),
                3,
                ("backend", "data"),
                ("src/**",),
                3,
            ),
            (
                "Test {subject} against a stand-in server",
                "Run the client against a local server speaking the external protocol, "
                "including failures.",
                ("Tests cover success, 4xx, 5xx and timeouts",),
                3,
                ("testing",),
                ("tests/**",),
                3,
            ),
            (
                "Monitor {subject}",
                "Log each exchange and alert on repeated failures.",
                ("A failure rate above the threshold raises an alert",),
                1,
                ("devops",),
                ("src/**", "ops/**"),
                2,
            ),
        ),
    ),
    "api_endpoint": (
        r"\b(?:api|endpoint|rest|graphql|route|webhook receiver|http)\b",
        (
            (
                "Define the request and response schema for {subject}",
                "Write typed request/response models and error codes.",
                ("Invalid input is rejected with a 400 and a named code",),
                2,
                ("backend",),
                ("src/**/schemas*",),
                2,
            ),
            (
                "Implement the handler for {subject}",
                "Add the route and the domain function it calls, with authorisation.",
                ("Authorised calls succeed", "Unauthorised calls get 401/403"),
                3,
                ("backend",),
                ("src/**/routes*", "src/**"),
                3,
            ),
            (
                "Test {subject}",
                "Contract tests for success, bad input and authorisation.",
                ("Each documented status code is exercised by a test",),
                2,
                ("testing",),
                ("tests/**",),
                2,
            ),
            (
                "Document {subject}",
                "Add the endpoint to the API reference with an example.",
                ("The reference lists the endpoint with a working example",),
                1,
                ("documentation",),
                ("docs/**",),
                1,
            ),
        ),
    ),
    "ui_component": (
        r"\b(?:ui|screen|page|form|button|modal|dialog|dashboard|component|view|layout|display|"
        r"widget)\b",
        (
            (
                "Build the {subject} component",
                "Implement the component with its states: loading, empty, error and filled.",
                ("All four states render", "It follows the design tokens"),
                3,
                ("frontend",),
                ("src/**/components/**",),
                3,
            ),
            (
                "Wire {subject} to data",
                "Connect the component to its data source and handle failures.",
                ("Data changes appear without a reload", "Errors show a readable message"),
                2,
                ("frontend",),
                ("src/**",),
                3,
            ),
            (
                "Make {subject} accessible",
                "Keyboard navigation, labels and contrast per WCAG 2.1 AA.",
                ("Every control is reachable by keyboard", "Automated accessibility check passes"),
                1,
                ("frontend",),
                ("src/**/components/**",),
                2,
            ),
            (
                "Test {subject}",
                "Component and end-to-end tests of the main flow.",
                ("The main user flow passes end to end",),
                2,
                ("testing",),
                ("tests/**",),
                2,
            ),
        ),
    ),
    "test": (
        r"\b(?:tests?|testing|qa|coverage|test plan|regression suite)\b",
        (
            (
                "Plan tests for {subject}",
                "List scenarios, data and environments.",
                ("Every acceptance criterion maps to a scenario",),
                1,
                ("testing",),
                ("docs/**",),
                1,
            ),
            (
                "Automate tests for {subject}",
                "Write the automated tests and fixtures.",
                ("Tests run in CI and fail when the behaviour breaks",),
                3,
                ("testing",),
                ("tests/**",),
                3,
            ),
            (
                "Report results for {subject}",
                "Run the suite and record coverage and open defects.",
                ("A report lists pass rate, coverage and defects",),
                1,
                ("testing",),
                ("docs/**",),
                1,
            ),
        ),
    ),
    "feature": (
        r".",
        (
            (
                "Design {subject}",
                "Agree on the data model, states and user flow.",
                ("The design covers every acceptance criterion",),
                2,
                ("analysis",),
                ("docs/**",),
                2,
            ),
            (
                "Implement the backend for {subject}",
                "Domain logic, persistence and validation.",
                (
                    "Business rules are enforced on the server",
                    "Invalid input is rejected with a clear error",
                ),
                3,
                ("backend",),
                ("src/**",),
                3,
            ),
            (
                "Implement the interface for {subject}",
                "Screens or API surface that expose the feature.",
                ("Users can complete the flow end to end",),
                3,
                ("frontend",),
                ("src/**",),
                3,
            ),
            (
                "Test {subject}",
                "Automated tests for the rules and the main flow.",
                ("Each acceptance criterion has a passing test",),
                2,
                ("testing",),
                ("tests/**",),
                2,
            ),
        ),
    ),
}
_ORDER = (
    "bug_fix",
    "data_migration",
    "integration",
    "api_endpoint",
    "ui_component",
    "test",
    "feature",
)


def detect_task_type(text: str) -> str:
    """The template whose pattern matches `text` most often; ties go to the earlier type."""
    counts = {t: len(re.findall(TEMPLATES[t][0], text, re.I)) for t in _ORDER if t != "feature"}
    best = max(_ORDER[:-1], key=lambda t: (counts[t], -_ORDER.index(t)))
    return best if counts[best] else "feature"
