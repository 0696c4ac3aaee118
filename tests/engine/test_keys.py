"""Property tests for the index key encoding, against a plain-Python model of Convex's order."""

from __future__ import annotations

import math
from typing import Any, Literal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from foundry.engine.keys import (
    MISSING,
    KeyDecodingError,
    KeyEncodingError,
    decode_key,
    encode_key,
    encode_value,
    index_range,
    prefix_successor,
)

# Rank of each type in Convex's order: MISSING < None < number < bool < str < list < dict.
_RANK = {type(MISSING): 0, type(None): 1, int: 2, float: 2, bool: 3, str: 4, list: 5, dict: 6}


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


def ref_cmp(a: Any, b: Any) -> int:
    """Compare two values the slow, obvious way: -1, 0 or 1."""
    rank_a, rank_b = _RANK[type(a)], _RANK[type(b)]
    if rank_a != rank_b:
        return _sign(rank_a - rank_b)
    if rank_a == 2:
        nan_a, nan_b = math.isnan(a), math.isnan(b)
        if nan_a or nan_b:
            return _sign(nan_a - nan_b)
        return _sign((a > b) - (a < b))
    if rank_a in (3, 4):
        return _sign((a > b) - (a < b))
    if rank_a == 5:
        for x, y in zip(a, b, strict=False):
            c = ref_cmp(x, y)
            if c:
                return c
        return _sign(len(a) - len(b))
    if rank_a == 6:
        pairs_a, pairs_b = sorted(a.items()), sorted(b.items())
        for (ka, va), (kb, vb) in zip(pairs_a, pairs_b, strict=False):
            c = _sign((ka > kb) - (ka < kb)) or ref_cmp(va, vb)
            if c:
                return c
        return _sign(len(pairs_a) - len(pairs_b))
    return 0  # MISSING and None: one value each


# A small pool makes equal and nearly-equal values common; the open-ended strategies find the rest.
_POOL: list[Any] = [
    MISSING,
    None,
    0,
    -0.0,
    1,
    1.0,
    -1,
    0.5,
    math.inf,
    -math.inf,
    math.nan,
    2**53,
    -(2**53),
]
_POOL += [2.0**60, 5e-324, -5e-324, False, True, "", "\x00", "\x00\x00", "a", "a\x00", "\uffff"]
_POOL += ["\U0001f600", "\ud800", "ab", [], [None], [[]], {}, {"": None}, {"a": 1}]

scalars = st.one_of(
    st.sampled_from(_POOL),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(),
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=6),
    st.text(alphabet="\x00\x01a\xff", max_size=4),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(alphabet="\x00ab", max_size=3), children, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=500)
@given(values, values)
def test_encoding_preserves_order(a: Any, b: Any) -> None:
    ea, eb = encode_value(a), encode_value(b)
    assert _sign((ea > eb) - (ea < eb)) == ref_cmp(a, b)


@settings(max_examples=500)
@given(values, values)
def test_no_encoding_is_a_proper_prefix_of_another(a: Any, b: Any) -> None:
    ea, eb = encode_value(a), encode_value(b)
    assert ea == eb or not (ea.startswith(eb) or eb.startswith(ea))


@given(values)
def test_tags_are_never_ff(v: Any) -> None:
    assert encode_value(v)[0] not in (0x00, 0xFF)


@settings(max_examples=500)
@given(st.lists(values, max_size=5))
def test_keys_round_trip(vs: list[Any]) -> None:
    key = encode_key(vs)
    assert key == b"".join(encode_value(v) for v in vs)
    decoded = decode_key(key)
    assert len(decoded) == len(vs)
    assert all(ref_cmp(x, y) == 0 for x, y in zip(decoded, vs, strict=True))
    assert encode_key(decoded) == key


@given(st.lists(values, min_size=2, max_size=2), st.lists(values, min_size=2, max_size=2))
def test_keys_compare_field_by_field(a: list[Any], b: list[Any]) -> None:
    ka, kb = encode_key(a), encode_key(b)
    expected = ref_cmp(a[0], b[0]) or ref_cmp(a[1], b[1])
    assert _sign((ka > kb) - (ka < kb)) == expected


def test_number_edge_cases() -> None:
    assert encode_value(-0.0) == encode_value(0.0) == encode_value(0)
    assert encode_value(math.nan) == encode_value(-math.nan)
    assert encode_value(math.inf) < encode_value(math.nan) < encode_value(False)
    assert encode_value(2**53) == encode_value(2.0**53)
    assert decode_key(encode_key([3])) == [3.0]


@pytest.mark.parametrize(
    "bad", [2**53 + 1, 10**400, object(), (1, 2), b"x", {1: "a"}, {"a": 1, 2: 3}]
)
def test_values_outside_the_domain_are_rejected(bad: Any) -> None:
    with pytest.raises(KeyEncodingError):
        encode_value([bad])


@pytest.mark.parametrize(
    "bad",
    [
        b"\x03\x00",
        b"\x06ab",
        b"\x06a\x00b\x00\x01",
        b"\x06\xff\x00\x01",
        b"\x07\x02",
        b"\x08\x02\x00",
        b"\x09",
    ],
)
def test_malformed_keys_are_rejected(bad: bytes) -> None:
    with pytest.raises(KeyDecodingError):
        decode_key(bad)


@given(st.binary(max_size=6), st.binary(max_size=8))
def test_prefix_successor_bounds_exactly_the_strings_with_that_prefix(b: bytes, t: bytes) -> None:
    succ = prefix_successor(b)
    if succ is None:
        assert b.strip(b"\xff") == b""
    elif t.startswith(b):
        assert t < succ
    else:
        assert (t < b) or (t >= succ)


@given(st.binary(max_size=6))
def test_prefix_successor_is_the_smallest_bound(b: bytes) -> None:
    succ = prefix_successor(b)
    assume(succ is not None)
    assert succ is not None and succ > b and not succ.startswith(b)
    # Anything just below succ either starts with b or is below b.
    below = succ[:-1] + bytes([succ[-1] - 1]) + b"\xff" * 3
    assert below.startswith(b) or below < b


_FIELDS = 3
tuples = st.lists(st.lists(values, min_size=_FIELDS, max_size=_FIELDS), min_size=1, max_size=12)
lower_ops: st.SearchStrategy[Literal["gt", "gte"]] = st.sampled_from(("gt", "gte"))
upper_ops: st.SearchStrategy[Literal["lt", "lte"]] = st.sampled_from(("lt", "lte"))


def _satisfies(x: Any, op: str, bound: Any) -> bool:
    c = ref_cmp(x, bound)
    return {"gt": c > 0, "gte": c >= 0, "lt": c < 0, "lte": c <= 0}[op]


@settings(max_examples=500)
@given(tuples, st.data())
def test_index_range_matches_a_brute_force_filter(
    rows: list[list[Any]], data: st.DataObject
) -> None:
    # Draw eq, bounds from the rows themselves so that hits are common.
    pool = [v for row in rows for v in row]
    any_value = st.one_of(st.sampled_from(pool), values)
    n_eq = data.draw(st.integers(0, _FIELDS - 1))
    eq = data.draw(st.sampled_from(rows))[:n_eq]
    if data.draw(st.booleans()):
        eq = [data.draw(any_value) for _ in range(n_eq)]
    lower: tuple[Literal["gt", "gte"], Any] | None = data.draw(
        st.none() | st.tuples(lower_ops, any_value)
    )
    upper: tuple[Literal["lt", "lte"], Any] | None = data.draw(
        st.none() | st.tuples(upper_ops, any_value)
    )
    lo, hi = index_range(eq, lower, upper)
    for row in rows:
        expected = all(ref_cmp(x, y) == 0 for x, y in zip(row, eq, strict=False))
        if lower is not None:
            expected = expected and _satisfies(row[n_eq], *lower)
        if upper is not None:
            expected = expected and _satisfies(row[n_eq], *upper)
        key = encode_key(row)
        assert (lo <= key and (hi is None or key < hi)) == expected


@given(st.lists(values, max_size=_FIELDS))
def test_index_range_equality_on_every_field_is_the_key_prefix(eq: list[Any]) -> None:
    lo, hi = index_range(eq, None, None)
    assert lo == encode_key(eq)
    assert hi == prefix_successor(lo)


def test_index_range_rejects_unknown_operators() -> None:
    with pytest.raises(ValueError, match="lower bound"):
        index_range([], ("lt", 1), None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="upper bound"):
        index_range([], None, ("gte", 1))  # type: ignore[arg-type]
