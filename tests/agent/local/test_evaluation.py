"""The labelled evaluation set stays above floors set from measured numbers minus a margin."""

from __future__ import annotations

from evaluation.corpus import load, parse
from evaluation.run import evaluate


def test_markup_parser_records_exact_spans() -> None:
    doc = parse("Intro. {{SE|The app shall encrypt data.}} Outro.")
    g = doc.gold[0]
    assert doc.text[g.start : g.end] == "The app shall encrypt data." and g.category == "security"


def test_scores_stay_above_floors() -> None:
    docs = load()
    assert len(docs) >= 8 and sum(len(d.gold) for d in docs) >= 100
    held = evaluate([d for d in docs if d.split == "held-out"])
    dev = evaluate([d for d in docs if d.split == "dev"])
    # measured: extraction F1 0.974 on both splits; NFR-vs-functional F1 0.967 dev, 0.694 held-out
    assert held["extraction"]["f1"] >= 0.90 and dev["extraction"]["f1"] >= 0.90
    assert held["nfr_vs_functional"]["f1"] >= 0.60
    assert dev["nfr_vs_functional"]["f1"] >= 0.88
