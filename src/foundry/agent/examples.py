"""An example request body for every analysis route (used by tests, the benchmark and docs)."""

from __future__ import annotations

from typing import Any

SPEC = (
    "Order Management Modernisation — Requirements Workshop Notes\n\n"
    "The customer service team currently re-keys every phone order into the legacy ERP. "
    "The new portal shall let account managers create quotes and convert them to orders. "
    "Order confirmation emails must be sent within one minute of submission. "
    "The system shall integrate with SAP ERP through its OData API to sync inventory nightly. "
    "Customer data must be encrypted at rest and in transit. "
    "There is a risk that the SAP team is unavailable during the summer freeze. "
    "We decided to use Stripe for card payments. "
    "Action: Dana to confirm the tax rules with finance by Friday.\n"
)

EXAMPLES: dict[str, dict[str, Any]] = {
    "continuous-discovery": {
        "prompt": "Clients must be able to track orders. Integration with SAP may delay launch.",
        "context": {"program": "Acme"},
    },
    "refine-requirement": {
        "prompt": "Refine this requirement",
        "requirement": {
            "title": "Fast search",
            "description": "The search should be fast and user-friendly and support filters.",
        },
    },
    "summarize-discovery": {
        "requirements": [
            {
                "title": "Quotes",
                "status": "approved",
                "priority": "must_have",
                "fitGap": "custom_dev",
            },
            {"title": "Emails", "status": "draft", "priority": "should_have", "fitGap": "config"},
        ],
        "programName": "Acme",
    },
    "decompose-task": {
        "prompt": "Decompose",
        "requirement": {
            "title": "Quote to order conversion",
            "description": "Account managers shall convert an approved quote into an order.",
        },
    },
    "evaluate-risks": {
        "prompt": "The SAP team is blocked until August, which may delay the integration.",
        "changes": ["SAP freeze extended"],
    },
    "evaluate-gate": {
        "prompt": "Evaluate the design gate",
        "gateDefinition": {"name": "Design", "criteria": ["All requirements approved"]},
        "projectStatus": {
            "percentComplete": 40,
            "requirementsApproved": 10,
            "requirementsTotal": 12,
        },
    },
    "plan-sprint": {
        "prompt": "Plan sprint 3",
        "tasks": [
            {"id": "t1", "title": "Quote API", "storyPoints": 5, "priority": "high"},
            {"id": "t2", "title": "Order emails", "storyPoints": 3, "priority": "medium"},
        ],
        "team": [{"id": "u1", "name": "Ana", "capacity": 10, "skills": ["backend"]}],
        "sprintConfig": {"durationDays": 10},
    },
    "analyze-codebase": {"repoUrl": "<repo>"},
    "codebase-chat": {
        "question": "Where are orders created?",
        "graphContext": {
            "nodes": [
                {
                    "name": "create_order",
                    "filePath": "app/orders.py",
                    "description": "creates orders",
                },
                {"name": "Quote", "filePath": "app/quotes.py"},
            ]
        },
    },
    "analyze-requirement": {
        "requirementText": "Orders can be created from quotes",
        "candidateFiles": [
            {
                "path": "app/orders.py",
                "content": "def create_order(quote):\n    return Order(quote)\n",
            }
        ],
        "config": {"modelTier": "fast"},
    },
    "analyze-task-subtasks": {
        "taskTitle": "Create orders",
        "subtasks": [{"id": "s1", "title": "create order function", "status": "pending"}],
        "directoryContents": [
            {"path": "orders.py", "content": "def create_order(): pass  # order function"}
        ],
    },
    "generate-team": {"program": {"name": "Acme", "description": "ERP integration and portal UI"}},
    "dispatch-agent": {
        "agent": {"name": "Backend Agent", "role": "backend_engineer"},
        "task": {"title": "Add quote API", "acceptanceCriteria": ["POST /quotes returns 201"]},
    },
    "plan-assignments": {
        "tasks": [{"id": "t1", "title": "Build the quote API backend"}],
        "agents": [{"id": "a1", "name": "Backend", "role": "backend api engineer"}],
    },
    "generate-subtasks": {
        "task": {"title": "Add quote API", "description": "Create a REST endpoint for quotes."},
        "codebaseStructure": "app/\n  quotes.py\n  orders.py\ntests/\n",
    },
    "score-health": {
        "name": "Integration workstream",
        "metrics": {
            "taskCounts": {"done": 4, "in_progress": 3},
            "plannedPoints": 20,
            "completedPoints": 12,
        },
    },
    "daily-digest": {
        "programName": "Acme",
        "events": [
            {"type": "task_completed", "title": "Quote API merged"},
            {"type": "task_blocked", "title": "SAP access pending"},
        ],
    },
    "detect-dependencies": {
        "requirements": [
            {
                "id": "R1",
                "title": "User accounts",
                "description": "Create user accounts and sign-in.",
            },
            {
                "id": "R2",
                "title": "Order history",
                "description": "Signed-in users see their orders.",
            },
        ]
    },
    "execute-skill": {
        "skill": {"name": "API design", "content": "- Use nouns for resources\n- Version the API"},
        "task": {"title": "Design the quote API"},
        "program": {"name": "Acme"},
        "requirements": [{"refId": "REQ-1", "title": "Quote API"}],
    },
    "review-pr": {
        "pullRequest": {"title": "Add quote API"},
        "diff": "--- a/app/q.py\n+++ b/app/q.py\n@@ -1,1 +1,2 @@\n x = 1\n+API_KEY = 'abc'\n",
    },
    "link-pr": {
        "pr": {"title": "T-12 add quote API", "branch": "foundry/T-12"},
        "tasks": [{"id": "T-12", "title": "Quote API"}, {"id": "T-13", "title": "Emails"}],
    },
    "branch-strategy": {"sprintTasks": [{"id": "t1", "title": "Quote API", "files": ["app/q.py"]}]},
    "analyze-document": {"text": SPEC, "fileName": "workshop.md"},
}
