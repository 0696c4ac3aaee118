"""analyze-codebase on a small repository in several languages; analyze-requirement; embed."""

from __future__ import annotations

import pathlib
import threading

from foundry.agent.local.algorithms.codebase import analyze_codebase, analyze_requirement
from foundry.agent.local.algorithms.embedding import embed, similarity

FILES = {
    "src/app/models/user.py": (
        "class Base:\n    pass\n\n\nclass User(Base):\n"
        "    def full_name(self):\n        return 'x'\n"
    ),
    "src/app/api/routes.py": (
        "from app.models.user import User\nimport fastapi\n\n\n"
        "def get_user(uid):\n    return User()\n"
    ),
    "web/components/Button.tsx": (
        "import React from 'react';\nimport { fmt } from '../utils/fmt';\n"
        "export function Button() { return <button/>; }\n"
    ),
    "web/utils/fmt.ts": (
        "export function fmt(x: number): string { return String(x); }\nexport class Formatter {}\n"
    ),
    "svc/main.go": (
        'package main\n\nimport "fmt"\n\ntype Server struct{}\n\n'
        "func (s *Server) Start() {}\n\nfunc main() { fmt.Println(1) }\n"
    ),
    "core/src/lib.rs": "use std::collections::HashMap;\npub struct Cache {}\npub fn get() {}\n",
    "backend/src/OrderService.java": (
        "import java.util.List;\npublic class OrderService extends BaseService {\n"
        "  public void place() {}\n}\nclass BaseService {}\n"
    ),
    "tests/test_user.py": (
        "from app.models.user import User\n\ndef test_name():\n    assert User()\n"
    ),
    "node_modules/junk/index.js": "function ignored() {}\n",
}


def _repo(root: pathlib.Path) -> pathlib.Path:
    for rel, content in FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
    return root


def _find(nodes: list[dict], **kw: str) -> int:
    return next(i for i, n in enumerate(nodes) if all(n.get(k) == v for k, v in kw.items()))


def test_codebase_graph_in_several_languages(tmp_path: pathlib.Path) -> None:
    a = analyze_codebase(str(_repo(tmp_path)))
    nodes, edges = a["nodes"], a["edges"]
    s = a["summary"]
    assert s["totalFiles"] == 8
    assert s["languages"] == ["go", "java", "python", "rust", "tsx", "typescript"]
    assert {"FastAPI", "React"} <= set(s["frameworks"])
    names = {(n["nodeType"], n["name"]) for n in nodes}
    for expected in [
        ("class", "User"),
        ("function", "full_name"),
        ("function", "Button"),
        ("class", "Formatter"),
        ("class", "Server"),
        ("function", "Start"),
        ("class", "Cache"),
        ("function", "get"),
        ("class", "OrderService"),
        ("function", "place"),
    ]:
        assert expected in names, expected
    assert not any("node_modules" in n["filePath"] for n in nodes)
    routes = _find(nodes, filePath="src/app/api/routes.py", nodeType="file")
    user_file = _find(nodes, filePath="src/app/models/user.py", nodeType="file")
    button = _find(nodes, filePath="web/components/Button.tsx", nodeType="file")
    fmt = _find(nodes, filePath="web/utils/fmt.ts", nodeType="file")
    e = {(x["sourceIndex"], x["targetIndex"], x["edgeType"]) for x in edges}
    assert (routes, user_file, "imports") in e and (button, fmt, "imports") in e
    assert (
        _find(nodes, name="User", nodeType="class"),
        _find(nodes, name="Base", nodeType="class"),
        "extends",
    ) in e
    assert (_find(nodes, name="OrderService"), _find(nodes, name="BaseService"), "extends") in e
    layers = {n["filePath"]: n["layer"] for n in nodes if n["nodeType"] == "file"}
    assert layers["src/app/api/routes.py"] == "api" and layers["src/app/models/user.py"] == "data"
    assert layers["web/components/Button.tsx"] == "ui" and layers["tests/test_user.py"] == "test"
    assert all(
        0 <= x["sourceIndex"] < len(nodes) and 0 <= x["targetIndex"] < len(nodes) for x in edges
    )
    assert a["tours"][0]["steps"]


def test_codebase_analysis_from_threads_is_identical(tmp_path: pathlib.Path) -> None:
    root = str(_repo(tmp_path))
    results: list[dict] = []
    threads = [
        threading.Thread(target=lambda: results.append(analyze_codebase(root))) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 4 and all(r == results[0] for r in results)


def test_analyze_requirement_cites_evidence() -> None:
    files = [
        {
            "repoId": "r",
            "path": "src/billing/invoice_export.py",
            "content": (
                "def export_invoice_pdf(invoice):\n    '''Render an invoice as PDF.'''\n    "
                "return render_pdf(invoice)\n"
            ),
        },
        {
            "repoId": "r",
            "path": "src/users.py",
            "content": "def create_user(name):\n    return name\n",
        },
    ]
    out = analyze_requirement("Export invoices as PDF", files, None)
    assert out["evidence"]["files"][0]["filePath"] == "src/billing/invoice_export.py"
    assert "export_invoice_pdf" in out["evidence"]["files"][0]["snippet"]
    assert out["implementationStatus"] in {
        "fully_implemented",
        "needs_verification",
        "partially_implemented",
    }
    missing = analyze_requirement("Send SMS reminders to patients", files, None)
    assert missing["implementationStatus"] == "not_found"
    assert 0 <= missing["confidence"] <= 100


def test_embedding_is_deterministic_and_semantic() -> None:
    v, model = embed("The system shall encrypt data at rest.")
    assert len(v) == 256 and model.startswith("wordllama")
    assert embed("The system shall encrypt data at rest.")[0] == v
    close = similarity(
        "Orders can be exported to a CSV file.", "The portal must export orders to CSV."
    )
    far = similarity("Orders can be exported to a CSV file.", "Pages should use the brand colours.")
    assert close > far + 0.3
