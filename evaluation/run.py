"""Measure the local provider on the labelled set: extraction and category classification.

A predicted requirement matches a gold one when their character spans overlap by at least half
of the union (IoU ≥ 0.5). Classification is scored on matched pairs: functional vs
non-functional (NFR as the positive class) and per category. Prints dev, held-out and all.
Run: `python -m evaluation.run [--json]`.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any

from evaluation.corpus import Document, load
from foundry.agent.local.algorithms.documents import analyze_document


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "support": tp + fn}


def evaluate(docs: list[Document]) -> dict[str, Any]:
    """Extraction and classification scores over `docs`."""
    tp = fp = fn = 0
    pairs: list[tuple[str, str]] = []
    sentences = 0
    for doc in docs:
        result = analyze_document(doc.text, doc.name, None)
        preds = [
            (r["sourceSpan"]["start"], r["sourceSpan"]["end"], r["category"])
            for r in result["requirements"]
        ]
        used: set[int] = set()
        for g in doc.gold:
            best = max(
                range(len(preds)), key=lambda i: _iou((g.start, g.end), preds[i][:2]), default=None
            )
            if (
                best is not None
                and best not in used
                and _iou((g.start, g.end), preds[best][:2]) >= 0.5
            ):
                used.add(best)
                tp += 1
                pairs.append((g.category, preds[best][2]))
            else:
                fn += 1
        fp += len(preds) - len(used)
        sentences += len(doc.gold)
    cats = sorted({c for pair in pairs for c in pair})
    per_category = {}
    for c in cats:
        ctp = sum(1 for g, p in pairs if g == c and p == c)
        cfp = sum(1 for g, p in pairs if g != c and p == c)
        cfn = sum(1 for g, p in pairs if g == c and p != c)
        per_category[c] = _prf(ctp, cfp, cfn)
    nfr_tp = sum(1 for g, p in pairs if g != "functional" and p != "functional")
    nfr_fp = sum(1 for g, p in pairs if g == "functional" and p != "functional")
    nfr_fn = sum(1 for g, p in pairs if g != "functional" and p == "functional")
    exact = sum(1 for g, p in pairs if g == p)
    return {
        "documents": len(docs),
        "gold_requirements": sentences,
        "extraction": _prf(tp, fp, fn),
        "nfr_vs_functional": _prf(nfr_tp, nfr_fp, nfr_fn),
        "functional_vs_nfr": per_category.get("functional", _prf(0, 0, 0)),
        "category_accuracy": round(exact / len(pairs), 3) if pairs else 0.0,
        "per_category": per_category,
        "confusions": dict(Counter(f"{g} -> {p}" for g, p in pairs if g != p).most_common(8)),
    }


def main(argv: list[str]) -> int:
    docs = load()
    report = {
        "dev": evaluate([d for d in docs if d.split == "dev"]),
        "held-out": evaluate([d for d in docs if d.split == "held-out"]),
        "all": evaluate(docs),
    }
    if "--json" in argv:
        print(json.dumps(report, indent=2))
        return 0
    for split, r in report.items():
        e, n = r["extraction"], r["nfr_vs_functional"]
        print(f"== {split}: {r['documents']} documents, {r['gold_requirements']} gold requirements")
        print(f"  extraction         P {e['precision']:.3f}  R {e['recall']:.3f}  F1 {e['f1']:.3f}")
        print(f"  NFR vs functional  P {n['precision']:.3f}  R {n['recall']:.3f}  F1 {n['f1']:.3f}")
        print(f"  category accuracy  {r['category_accuracy']:.3f}")
        for c, s in r["per_category"].items():
            print(
                f"    {c:16s} P {s['precision']:.2f} R {s['recall']:.2f} F1 {s['f1']:.2f} "
                f"(n={s['support']})"
            )
        if r["confusions"]:
            print(f"  confusions: {r['confusions']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
