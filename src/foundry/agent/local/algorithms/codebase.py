"""analyze-codebase and analyze-requirement for the local provider.

analyze_codebase walks a local checkout, parses every source file with tree-sitter (Python,
JavaScript, TypeScript/TSX, Go, Rust, Java; Python's `ast` when tree-sitter is missing) and
returns file/class/function/module nodes with contains/imports/extends edges and a layer per
file from its path. analyze_requirement ranks candidate files by BM25 against the requirement
and cites the best-matching lines as evidence.
"""

from __future__ import annotations

import ast
import importlib
import math
import os
import re
import threading
from collections import Counter
from typing import Any

from foundry.agent.local.algorithms import knobs
from foundry.agent.local.algorithms.text import terms

LANGUAGES = {
    ".py": "python",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".ts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
}
_SKIP_DIRS = {
    "node_modules",
    "dist",
    "build",
    "target",
    "vendor",
    "__pycache__",
    ".git",
    ".venv",
    "venv",
}
# tree-sitter node type → our node type, per language family
_DEFS = {
    "class": {
        "class_definition",
        "class_declaration",
        "interface_declaration",
        "struct_item",
        "enum_item",
        "trait_item",
        "type_spec",
        "enum_declaration",
        "abstract_class_declaration",
    },
    "function": {
        "function_definition",
        "function_declaration",
        "method_definition",
        "method_declaration",
        "function_item",
        "constructor_declaration",
    },
}
_IMPORTS = {
    "import_statement",
    "import_from_statement",
    "import_declaration",
    "import_spec",
    "use_declaration",
}
_LAYERS = [
    (
        "test",
        r"(?:^|/)(?:tests?|__tests__|spec)(?:/|$)|(?:_test|\.test|\.spec|Test)\.\w+$|(?:^|/)test_",
    ),
    ("config", r"(?:^|/)(?:config|settings|conf)(?:/|\.|$)|\.config\.\w+$"),
    (
        "api",
        r"(?:^|/)(?:api|routes?|controllers?|handlers?|endpoints?|views?|http|server)(?:/|\.|$)",
    ),
    (
        "ui",
        r"(?:^|/)(?:components?|pages?|ui|web|frontend|screens?|templates?)(?:/|$)|\.(?:tsx|jsx)$",
    ),
    (
        "data",
        r"(?:^|/)(?:models?|db|database|schemas?|migrations?|repositor(?:y|ies)|entities|dao|"
        r"store)(?:/|\.|$)",
    ),
    ("service", r"(?:^|/)(?:services?|domain|core|logic|usecases?|engine|app)(?:/|\.|$)"),
    ("utility", r"(?:^|/)(?:utils?|helpers?|lib|common|shared|tools)(?:/|\.|$)"),
]
_FRAMEWORKS = {
    "django": "Django",
    "flask": "Flask",
    "fastapi": "FastAPI",
    "starlette": "Starlette",
    "react": "React",
    "next": "Next.js",
    "vue": "Vue",
    "express": "Express",
    "spring": "Spring",
    "gin": "Gin",
    "actix": "Actix",
    "tokio": "Tokio",
    "sqlalchemy": "SQLAlchemy",
    "pytest": "pytest",
}
_GRAMMARS = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
}
_parsers: dict[str, Any] = {}
_parser_lock = threading.Lock()


def _parser(language: str) -> Any | None:
    """A fresh tree-sitter parser for `language` (grammars load once, under a lock)."""
    with _parser_lock:
        if language not in _parsers:
            try:
                import tree_sitter as ts

                module_name, factory = _GRAMMARS[language]
                grammar = getattr(importlib.import_module(module_name), factory)
                _parsers[language] = ts.Language(grammar())
            except Exception:  # grammar not installed: fall back (Python) or list the file only
                _parsers[language] = None
        lang = _parsers[language]
    if lang is None:
        return None
    import tree_sitter as ts

    return ts.Parser(lang)  # parsers are cheap; one per call keeps threads independent


def layer_of(path: str) -> str:
    """The architectural layer a file path suggests."""
    lowered = path.lower()
    for layer, rx in _LAYERS:
        if re.search(rx, lowered if layer != "test" else path):
            return layer
    return "utility" if "/" not in path else "service"


def _walk(root: str) -> list[str]:
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if os.path.splitext(name)[1] in LANGUAGES:
                files.append(
                    os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
                )
                if len(files) >= knobs.CODEBASE_MAX_FILES:
                    return files
    return files


def _name(node: Any, source: bytes) -> str | None:
    child = node.child_by_field_name("name")
    if child is None and node.type == "impl_item":
        child = node.child_by_field_name("type")
    return (
        source[child.start_byte : child.end_byte].decode(errors="replace")
        if child is not None
        else None
    )


def _ts_entities(
    tree: Any, source: bytes
) -> tuple[list[tuple[str, str, int, int, list[str]]], list[str]]:
    """(defs [(type, name, line_start, line_end, bases)], import texts)."""
    defs: list[tuple[str, str, int, int, list[str]]] = []
    imports: list[str] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        kind = (
            "class"
            if node.type in _DEFS["class"]
            else "function"
            if node.type in _DEFS["function"]
            else None
        )
        if kind and (name := _name(node, source)):
            bases = []
            for field in ("superclasses", "superclass", "heritage"):
                sup = node.child_by_field_name(field)
                if sup is not None:
                    bases += re.findall(
                        r"[A-Za-z_][\w.]*",
                        source[sup.start_byte : sup.end_byte].decode(errors="replace"),
                    )
            defs.append(
                (
                    kind,
                    name,
                    node.start_point[0] + 1,
                    node.end_point[0] + 1,
                    [b for b in bases if b not in ("extends", "implements", "object")],
                )
            )
        if node.type in _IMPORTS:
            imports.append(source[node.start_byte : node.end_byte].decode(errors="replace"))
            continue
        stack.extend(reversed(node.children))
    return defs, imports


def _py_entities(source: bytes) -> tuple[list[tuple[str, str, int, int, list[str]]], list[str]]:
    tree = ast.parse(source)
    defs: list[tuple[str, str, int, int, list[str]]] = []
    imports: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            defs.append(
                (
                    "class",
                    node.name,
                    node.lineno,
                    node.end_lineno or node.lineno,
                    [ast.unparse(b) for b in node.bases],
                )
            )
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            defs.append(("function", node.name, node.lineno, node.end_lineno or node.lineno, []))
        elif isinstance(node, ast.Import):
            imports += [f"import {a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            imports.append(f"from {'.' * node.level}{node.module or ''} import x")
    defs.sort(key=lambda d: d[2])
    return defs, imports


def _import_target(text: str, language: str) -> str | None:
    if language == "python":
        m = re.match(r"\s*from\s+(\.*[\w.]*)\s+import|\s*import\s+([\w.]+)", text)
        return (m.group(1) or m.group(2)) if m else None
    m = re.search(r"[\"']([^\"']+)[\"']", text)
    if m:
        return m.group(1)
    m = re.search(r"(?:use|import)\s+(?:static\s+)?([\w:.]+)", text)
    return m.group(1).rstrip(";") if m else None


def _resolve(target: str, path: str, language: str, files: set[str]) -> str | None:
    """The repository file an import names, or None for an external module."""
    base = os.path.dirname(path)
    candidates: list[str] = []
    if language == "python":
        dots = len(target) - len(target.lstrip("."))
        mod = target.lstrip(".").replace(".", "/")
        roots = (
            [os.path.normpath(os.path.join(base, *([".."] * (dots - 1))))] if dots else ["", "src"]
        )
        for r in roots:
            stem = os.path.join(r, mod) if mod else r
            candidates += [f"{stem}.py", f"{stem}/__init__.py"]
    elif target.startswith("."):
        stem = os.path.normpath(os.path.join(base, target))
        candidates += [stem] + [
            stem + e for e in (".ts", ".tsx", ".js", ".jsx", "/index.ts", "/index.js")
        ]
    else:
        tail = target.replace("::", "/").replace(".", "/").split("/")
        for n in range(len(tail), 0, -1):
            suffix = "/".join(tail[-n:])
            candidates += [
                f
                for f in files
                if f.rsplit(".", 1)[0].endswith(suffix) or os.path.dirname(f).endswith(suffix)
            ]
            if candidates:
                break
    for c in candidates:
        c = c.replace(os.sep, "/").lstrip("./") if not c.startswith("..") else c
        if c in files:
            return c
    return None


def analyze_codebase(path: str) -> dict[str, Any]:
    """The analyze-codebase `analysis` object for the directory at `path`."""
    files = _walk(path)
    file_set = set(files)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    file_index: dict[str, int] = {}
    modules: dict[str, int] = {}
    pending: list[tuple[int, str, str]] = []
    class_index: dict[str, int] = {}
    bases_of: list[tuple[int, list[str]]] = []
    frameworks: set[str] = set()
    for rel in files:
        language = LANGUAGES[os.path.splitext(rel)[1]]
        layer = layer_of(rel)
        file_index[rel] = len(nodes)
        nodes.append(
            {
                "nodeType": "file",
                "name": os.path.basename(rel),
                "filePath": rel,
                "layer": layer,
                "description": f"{language} source file",
                "language": language,
            }
        )
        full = os.path.join(path, rel)
        if os.path.getsize(full) > knobs.CODEBASE_MAX_FILE_BYTES:
            continue
        with open(full, "rb") as fh:
            source = fh.read()
        parser = _parser(language)
        try:
            defs, imports = (
                _ts_entities(parser.parse(source), source)
                if parser is not None
                else _py_entities(source)
                if language == "python"
                else ([], [])
            )
        except (SyntaxError, ValueError):
            defs, imports = [], []
        for kind, name, start, end, bases in defs:
            idx = len(nodes)
            nodes.append(
                {
                    "nodeType": kind,
                    "name": name,
                    "filePath": rel,
                    "layer": layer,
                    "description": f"{kind} {name} in {rel}",
                    "language": language,
                    "lineStart": start,
                    "lineEnd": end,
                }
            )
            edges.append(
                {"sourceIndex": file_index[rel], "targetIndex": idx, "edgeType": "contains"}
            )
            if kind == "class":
                class_index.setdefault(name, idx)
                if bases:
                    bases_of.append((idx, bases))
        for imp in imports:
            target = _import_target(imp, language)
            if target:
                pending.append((file_index[rel], target, language))
                head = re.split(r"[/.:@]", target.lstrip("@."))[0].lower()
                if head in _FRAMEWORKS:
                    frameworks.add(_FRAMEWORKS[head])
    for src, target, language in pending:
        resolved = _resolve(target, nodes[src]["filePath"], language, file_set)
        if resolved is not None:
            dst = file_index[resolved]
        else:
            if target not in modules:
                modules[target] = len(nodes)
                nodes.append(
                    {
                        "nodeType": "module",
                        "name": target,
                        "filePath": "",
                        "layer": "utility",
                        "description": f"external module {target}",
                        "language": language,
                    }
                )
            dst = modules[target]
        if dst != src:
            edges.append({"sourceIndex": src, "targetIndex": dst, "edgeType": "imports"})
    for idx, bases in bases_of:
        for base in bases:
            target_idx = class_index.get(base.rsplit(".", 1)[-1])
            if target_idx is not None and target_idx != idx:
                edges.append({"sourceIndex": idx, "targetIndex": target_idx, "edgeType": "extends"})
    layers = Counter(n["layer"] for n in nodes if n["nodeType"] == "file")
    return {
        "nodes": nodes,
        "edges": edges,
        "summary": {
            "totalFiles": len(files),
            "totalFunctions": sum(1 for n in nodes if n["nodeType"] == "function"),
            "totalClasses": sum(1 for n in nodes if n["nodeType"] == "class"),
            "languages": sorted({n["language"] for n in nodes if n["nodeType"] == "file"}),
            "frameworks": sorted(frameworks),
            "layerBreakdown": [{"layer": k, "count": v} for k, v in sorted(layers.items())],
        },
        "tours": _tours(nodes, edges),
    }


def _tours(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One tour through the most-imported files, ordered api → service → data."""
    fan_in = Counter(
        e["targetIndex"]
        for e in edges
        if e["edgeType"] == "imports" and nodes[e["targetIndex"]]["nodeType"] == "file"
    )
    order = {"api": 0, "ui": 1, "service": 2, "data": 3, "utility": 4, "config": 5, "test": 6}
    files = [i for i, n in enumerate(nodes) if n["nodeType"] == "file" and n["layer"] != "test"]
    files.sort(key=lambda i: (order.get(nodes[i]["layer"], 9), -fan_in[i], nodes[i]["filePath"]))
    steps = [
        {
            "nodeIndex": i,
            "title": nodes[i]["filePath"],
            "explanation": f"{nodes[i]['layer']} layer; imported by {fan_in[i]} file(s).",
            "order": k,
        }
        for k, i in enumerate(files[:8])
    ]
    return (
        [
            {
                "title": "Architecture overview",
                "description": "Entry points first, then services and data.",
                "steps": steps,
            }
        ]
        if steps
        else []
    )


def _bm25(query: list[str], docs: list[list[str]], k1: float = 1.5, b: float = 0.75) -> list[float]:
    n = len(docs)
    avg = sum(len(d) for d in docs) / n if n else 0.0
    df = Counter(t for d in docs for t in set(d))
    scores = []
    for d in docs:
        tf = Counter(d)
        s = 0.0
        for t in set(query):
            if tf[t]:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                s += idf * tf[t] * (k1 + 1) / (tf[t] + k1 * (1 - b + b * len(d) / (avg or 1)))
        scores.append(s)
    return scores


def _identifier_terms(text: str) -> list[str]:
    """Terms of code text, with camelCase and snake_case identifiers split into words."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text).replace("_", " ")
    return terms(spaced)


def analyze_requirement(
    requirement_text: str,
    candidate_files: list[dict[str, Any]],
    graph_nodes: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """The analyze-requirement output (without `metadata`): status, confidence 0-100, evidence."""
    query = _identifier_terms(requirement_text)
    files = [f for f in candidate_files if isinstance(f, dict) and f.get("content") is not None]
    docs = [_identifier_terms(f"{f.get('path', '')} {f.get('content', '')}") for f in files]
    scores = _bm25(query, docs) if files else []
    node_paths = {
        str(n.get("filePath"))
        for n in graph_nodes or []
        if set(_identifier_terms(str(n.get("name", "")))) & set(query)
    }
    ranked = sorted(
        range(len(files)),
        key=lambda i: (
            -(scores[i] * (1.3 if files[i].get("path") in node_paths else 1.0)),
            str(files[i].get("path")),
        ),
    )
    q = set(query)
    evidence = []
    best_coverage = 0.0
    for i in ranked[: knobs.EVIDENCE_MAX_FILES]:
        if scores[i] <= 0:
            break
        lines = str(files[i]["content"]).splitlines()
        hits = [(len(set(_identifier_terms(line)) & q), n) for n, line in enumerate(lines)]
        top, line_no = max(hits, default=(0, 0), key=lambda h: (h[0], -h[1]))
        lo, hi = max(0, line_no - 2), min(len(lines), line_no + 3)
        coverage = len(q & set(docs[i])) / len(q) if q else 0.0
        best_coverage = max(best_coverage, coverage)
        evidence.append(
            {
                "filePath": str(files[i].get("path")),
                "lineStart": lo + 1,
                "lineEnd": hi,
                "snippet": "\n".join(lines[lo:hi])[:500],
                "relevance": (
                    f"BM25 {scores[i]:.2f}; covers {coverage:.0%} of the requirement's terms; "
                    f"best line matches {top}."
                ),
            }
        )
    if not evidence:
        status, confidence = "not_found", 70 if files else 40
    elif best_coverage >= 0.7:
        status, confidence = (
            "fully_implemented" if len(evidence) >= 2 else "needs_verification",
            round(40 + 40 * best_coverage),
        )
    elif best_coverage >= 0.35:
        status, confidence = "partially_implemented", round(30 + 40 * best_coverage)
    else:
        status, confidence = "needs_verification", 30
    missing = (
        sorted(q - set().union(*[set(docs[i]) for i in ranked[: knobs.EVIDENCE_MAX_FILES]]))
        if files
        else sorted(q)
    )
    return {
        "implementationStatus": status,
        "confidence": confidence,
        "confidenceReasoning": (
            f"Heuristic retrieval: best file covers {best_coverage:.0%} of the requirement's "
            f"terms across {len(files)} candidate file(s)."
        ),
        "evidence": {"files": evidence},
        "gapDescription": f"No code mentions: {', '.join(missing[:10])}."
        if missing and status != "fully_implemented"
        else None,
    }
