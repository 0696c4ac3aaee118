"""IntervalMap against a brute-force list model, plus its cost on misses."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from foundry.engine.intervals import IntervalMap

# Few distinct bytes and short keys make shared endpoints, nesting and empty intervals common.
keys = st.binary(max_size=3).map(lambda b: bytes(x % 4 * 0x55 for x in b))
his = st.none() | keys
tags = st.sampled_from("abcd")

Entry = tuple[bytes, bytes | None, str]


def _contains(entry: Entry, key: bytes) -> bool:
    lo, hi, _ = entry
    return lo <= key and (hi is None or key < hi)


class IntervalMapMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.imap: IntervalMap[str] = IntervalMap()
        self.model: list[Entry] = []

    @rule(lo=keys, hi=his, tag=tags)
    def add(self, lo: bytes, hi: bytes | None, tag: str) -> None:
        self.imap.add(lo, hi, tag)
        self.model.append((lo, hi, tag))

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def remove_present(self, data: st.DataObject) -> None:
        entry = data.draw(st.sampled_from(self.model))
        self.imap.remove(*entry)
        self.model.remove(entry)

    @rule(lo=keys, hi=his, tag=tags)
    def remove_maybe_absent(self, lo: bytes, hi: bytes | None, tag: str) -> None:
        if (lo, hi, tag) in self.model:
            self.imap.remove(lo, hi, tag)
            self.model.remove((lo, hi, tag))
        else:
            with pytest.raises(KeyError):
                self.imap.remove(lo, hi, tag)

    @rule(data=st.data())
    def stab(self, data: st.DataObject) -> None:
        endpoints = [e for lo, hi, _ in self.model for e in (lo, hi) if e is not None]
        key = data.draw(keys | st.sampled_from(endpoints) if endpoints else keys)
        expected = {entry[2] for entry in self.model if _contains(entry, key)}
        assert self.imap.stab(key) == expected
        assert self.imap.overlaps_any(key) == bool(expected)

    @invariant()
    def consistent(self) -> None:
        assert len(self.imap) == len(self.model)
        self.imap._check_invariants_for_testing()


TestIntervalMapAgainstModel = IntervalMapMachine.TestCase
TestIntervalMapAgainstModel.settings = settings(max_examples=300, deadline=None)


def test_identical_intervals_share_a_node_and_count_repeats() -> None:
    imap: IntervalMap[str] = IntervalMap()
    for tag in ("a", "b", "a"):
        imap.add(b"k", b"m", tag)
    assert len(imap) == 3
    assert imap.stab(b"l") == {"a", "b"}
    imap.remove(b"k", b"m", "a")
    assert imap.stab(b"l") == {"a", "b"}
    imap.remove(b"k", b"m", "a")
    assert imap.stab(b"l") == {"b"}
    with pytest.raises(KeyError):
        imap.remove(b"k", b"m", "a")
    imap._check_invariants_for_testing()


def test_empty_and_unbounded_intervals() -> None:
    imap: IntervalMap[int] = IntervalMap()
    imap.add(b"m", b"m", 1)
    imap.add(b"z", b"a", 2)
    imap.add(b"q", None, 3)
    assert len(imap) == 3
    assert imap.stab(b"m") == set()
    assert imap.stab(b"b") == set()
    assert imap.stab(b"\xff" * 10) == {3}
    imap.remove(b"m", b"m", 1)
    imap.remove(b"z", b"a", 2)
    assert len(imap) == 1
    imap._check_invariants_for_testing()


def _spread_out(n: int, rng: random.Random) -> IntervalMap[int]:
    """n short intervals at random 8-byte positions, leaving gaps between most of them."""
    imap: IntervalMap[int] = IntervalMap()
    for i in range(n):
        lo = rng.getrandbits(63)
        imap.add(lo.to_bytes(8, "big"), (lo + rng.getrandbits(40)).to_bytes(8, "big"), i)
    return imap


def test_a_miss_visits_logarithmically_many_nodes() -> None:
    rng = random.Random(7)
    n = 100_000
    imap = _spread_out(n, rng)
    probes = [rng.getrandbits(63).to_bytes(8, "big") for _ in range(2_000)]
    misses = [k for k in probes if not imap.overlaps_any(k)]
    assert len(misses) > 1_000
    worst = max(imap._stab_visits_for_testing(k) for k in misses)
    # A treap's height is about 3 * log2(n) at worst in practice; a miss walks one or two paths.
    assert worst <= 4 * math.log2(n), worst
    assert all(imap.stab(k) == set() for k in misses)
