"""Sentence embeddings from the wordllama model shipped inside its PyPI package.

The model loads once, lazily, under a lock, so worker threads can call `embed` concurrently.
When wordllama cannot load (package missing, weights absent) every function falls back to a
hashed bag-of-stems vector, so callers never see a network fetch or an import error.
"""

from __future__ import annotations

import hashlib
import math
import pathlib
import threading
from collections.abc import Sequence
from typing import Any

from foundry.agent.local.algorithms.text import terms

FALLBACK_MODEL = "hashed-stems-256"
"""Name reported when the hashed bag-of-stems fallback produced the vector."""

_MODEL_NAME = "wordllama-l2-supercat-256"
_DIM = 256
_lock = threading.Lock()
_state: dict[str, Any] = {}


def _model() -> Any | None:
    """The loaded WordLlama model, or None when it cannot load offline."""
    with _lock:
        if "model" not in _state:
            try:
                import wordllama  # type: ignore[import-untyped]
                from wordllama import WordLlama

                root = pathlib.Path(wordllama.__file__).parent
                _state["model"] = WordLlama.load(cache_dir=root, disable_download=True, dim=_DIM)
            except Exception:  # any failure means "no model": the fallback is deterministic
                _state["model"] = None
        return _state["model"]


def model_name() -> str:
    """The name of the model `embed` uses on this machine."""
    return _MODEL_NAME if _model() is not None else FALLBACK_MODEL


def _hashed(text: str) -> list[float]:
    vec = [0.0] * _DIM
    for t in terms(text):
        h = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=4).digest(), "big")
        vec[h % _DIM] += 1.0 if h & 0x8000_0000 else -1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


def embed_many(texts: Sequence[str]) -> list[list[float]]:
    """L2-normalised vectors for `texts`, in order."""
    model = _model()
    if model is None:
        return [_hashed(t) for t in texts]
    if not texts:
        return []
    with _lock:  # the numpy-backed tokenizer state is not documented as thread-safe
        matrix = model.embed(list(texts), norm=True)
    return [[float(x) for x in row] for row in matrix]


def embed(text: str) -> tuple[list[float], str]:
    """The embedding of `text` and the name of the model that produced it."""
    return embed_many([text])[0], model_name()


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors (0.0 when either is all zeros)."""
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def similarity(a: str, b: str) -> float:
    """Semantic similarity of two texts in [-1, 1]."""
    va, vb = embed_many([a, b])
    return cosine(va, vb)
