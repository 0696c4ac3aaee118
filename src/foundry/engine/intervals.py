"""`IntervalMap`: tagged half-open byte intervals, queried by the keys they contain.

The subscription manager keeps one per index: each subscription adds the key ranges its
queries read, and every commit stabs the map with each key it wrote to find the
subscriptions to invalidate. Most written keys hit nothing, so a miss must stay cheap as
the map grows.

Two structures share the work:

- A treap of the distinct non-empty intervals, ordered by `lo` and augmented with each
  subtree's largest `hi`, answers a stab in O(log n + k) expected node visits for k hits.
  Identical intervals share one node holding a multiset of values, since many subscribers
  often read the same range.
- The union of all intervals, kept as the sorted boundaries of its disjoint pieces in one
  Python list, answers "does anything contain this key" with one C-level bisect. A stab
  that misses never touches the treap: its Python-level work is constant.

`hi is None` means +infinity. Empty intervals (`lo >= hi`) are stored for `remove` and
`len` but never match.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections.abc import Hashable
from itertools import pairwise
from typing import Generic, TypeVar

__all__ = ["IntervalMap"]

T = TypeVar("T", bound=Hashable)


class _Node(Generic[T]):
    """One distinct interval, and its treap links when the interval is non-empty."""

    __slots__ = ("hi", "left", "lo", "max_hi", "priority", "right", "seq", "values")

    def __init__(self, lo: bytes, hi: bytes | None, seq: int, priority: float) -> None:
        self.lo = lo
        self.hi = hi
        # Breaks ties between equal `lo`s so every node has a unique position in the treap.
        self.seq = seq
        self.priority = priority
        # value -> how many times it was added with this interval (a multiset).
        self.values: dict[T, int] = {}
        self.left: _Node[T] | None = None
        self.right: _Node[T] | None = None
        # Largest `hi` in this subtree (None = +infinity): a subtree whose max_hi <= key
        # holds no interval containing key.
        self.max_hi: bytes | None = hi


def _max_hi(a: bytes | None, b: bytes | None) -> bytes | None:
    if a is None or b is None:
        return None
    return a if a > b else b


def _precedes(a: _Node[T], b: _Node[T]) -> bool:
    return a.lo < b.lo or (a.lo == b.lo and a.seq < b.seq)


def _refresh(node: _Node[T]) -> None:
    """Recompute `node.max_hi` from its own interval and its children."""
    best = node.hi
    if node.left is not None:
        best = _max_hi(best, node.left.max_hi)
    if node.right is not None:
        best = _max_hi(best, node.right.max_hi)
    node.max_hi = best


def _split(root: _Node[T] | None, pivot: _Node[T]) -> tuple[_Node[T] | None, _Node[T] | None]:
    """Split a treap into the nodes that precede `pivot` and those that follow it."""
    if root is None:
        return None, None
    if _precedes(root, pivot):
        root.right, after = _split(root.right, pivot)
        _refresh(root)
        return root, after
    before, root.left = _split(root.left, pivot)
    _refresh(root)
    return before, root


def _merge(a: _Node[T] | None, b: _Node[T] | None) -> _Node[T] | None:
    """Join two treaps where every node of `a` precedes every node of `b`."""
    if a is None:
        return b
    if b is None:
        return a
    if a.priority > b.priority:
        a.right = _merge(a.right, b)
        _refresh(a)
        return a
    b.left = _merge(a, b.left)
    _refresh(b)
    return b


def _insert(root: _Node[T] | None, node: _Node[T]) -> _Node[T]:
    """Insert `node` and return the new root. Recursion in split is bounded by the treap's
    height, which is O(log n) with overwhelming probability."""
    path: list[_Node[T]] = []
    cur = root
    while cur is not None and cur.priority > node.priority:
        path.append(cur)
        cur = cur.left if _precedes(node, cur) else cur.right
    node.left, node.right = _split(cur, node)
    _refresh(node)
    if not path:
        return node
    parent = path[-1]
    if _precedes(node, parent):
        parent.left = node
    else:
        parent.right = node
    for ancestor in reversed(path):
        _refresh(ancestor)
    return path[0]


def _delete(root: _Node[T], node: _Node[T]) -> _Node[T] | None:
    """Unlink `node`, which must be in the treap, and return the new root."""
    path: list[_Node[T]] = []
    cur: _Node[T] | None = root
    while cur is not node:
        if cur is None:
            raise LookupError("interval node is not in the treap")  # pragma: no cover
        path.append(cur)
        cur = cur.left if _precedes(node, cur) else cur.right
    replacement = _merge(node.left, node.right)
    node.left = node.right = None
    if not path:
        return replacement
    parent = path[-1]
    if parent.left is node:
        parent.left = replacement
    else:
        parent.right = replacement
    for ancestor in reversed(path):
        _refresh(ancestor)
    return root


def _reach(root: _Node[T] | None, x: bytes) -> bytes | None:
    """How far the intervals starting at or before `x` reach: the largest of `x` and their
    `hi`s (None = +infinity). `x` is covered iff the result is None or greater than `x`."""
    best: bytes | None = x
    node = root
    while node is not None:
        if node.lo <= x:
            # This node and its whole left subtree start at or before x.
            best = _max_hi(best, node.hi)
            if node.left is not None:
                best = _max_hi(best, node.left.max_hi)
            if best is None:
                return None
            node = node.right
        else:
            node = node.left
    return best


def _next_start(root: _Node[T] | None, x: bytes) -> bytes | None:
    """The smallest `lo` greater than `x`, or None."""
    best = None
    node = root
    while node is not None:
        if node.lo > x:
            best = node.lo
            node = node.left
        else:
            node = node.right
    return best


def _append_piece(cover: list[bytes], lo: bytes, hi: bytes | None) -> None:
    """Append `[lo, hi)` to union boundaries, fusing it with the last piece when they touch."""
    if cover and cover[-1] == lo:
        cover.pop()
    else:
        cover.append(lo)
    if hi is not None:
        cover.append(hi)


class IntervalMap(Generic[T]):
    """A multiset of half-open byte intervals `[lo, hi)` (hi None = +infinity), each tagged
    with a hashable value, answering "which values have an interval containing key k"."""

    def __init__(self, *, seed: int = 0) -> None:
        """Create an empty map; `seed` fixes the treap's shape for reproducible runs."""
        self._nodes: dict[tuple[bytes, bytes | None], _Node[T]] = {}
        self._root: _Node[T] | None = None
        self._len = 0
        self._next_seq = 0
        self._rng = random.Random(seed)
        # The union of all intervals as the strictly increasing boundaries of its maximal
        # pieces, lo0 < hi0 < lo1 < hi1 < ...; an odd length means the last piece is unbounded.
        # So key is covered iff bisect_right(self._cover, key) is odd.
        self._cover: list[bytes] = []

    def __len__(self) -> int:
        """The number of (interval, value) entries, counting repeated adds."""
        return self._len

    def add(self, lo: bytes, hi: bytes | None, value: T) -> None:
        """Add `value` on `[lo, hi)`. Adding the same entry twice needs two removes."""
        node = self._nodes.get((lo, hi))
        if node is None:
            node = _Node(lo, hi, self._next_seq, self._rng.random())
            self._next_seq += 1
            self._nodes[lo, hi] = node
            if hi is None or lo < hi:
                self._root = _insert(self._root, node)
                self._cover_add(lo, hi)
        node.values[value] = node.values.get(value, 0) + 1
        self._len += 1

    def remove(self, lo: bytes, hi: bytes | None, value: T) -> None:
        """Remove one entry of `value` on `[lo, hi)`; raise KeyError if there is none."""
        node = self._nodes.get((lo, hi))
        count = 0 if node is None else node.values.get(value, 0)
        if node is None or count == 0:
            raise KeyError((lo, hi, value))
        self._len -= 1
        if count > 1:
            node.values[value] = count - 1
            return
        del node.values[value]
        if node.values:
            return
        del self._nodes[lo, hi]
        if self._root is not None and (hi is None or lo < hi):
            self._root = _delete(self._root, node)
            self._cover_remove(lo, hi)

    def overlaps_any(self, key: bytes) -> bool:
        """Whether any interval contains `key`: one bisect, independent of the treap."""
        return bisect_right(self._cover, key) & 1 == 1

    def stab(self, key: bytes) -> set[T]:
        """Return the values that have an interval containing `key`."""
        found: set[T] = set()
        if bisect_right(self._cover, key) & 1:
            self._collect(key, found)
        return found

    def _collect(self, key: bytes, found: set[T]) -> int:
        """Add the values of every interval containing `key` to `found`; return the number of
        treap nodes visited. Subtrees are pruned before being pushed, when their max_hi shows
        that nothing in them reaches past `key`."""
        root = self._root
        if root is None or (root.max_hi is not None and root.max_hi <= key):
            return 0
        visits = 0
        stack = [root]
        while stack:
            node = stack.pop()
            visits += 1
            left = node.left
            if left is not None and (left.max_hi is None or key < left.max_hi):
                stack.append(left)
            # Nodes to the right start at or after node.lo, so they matter only if node.lo <= key.
            if node.lo <= key:
                if node.hi is None or key < node.hi:
                    found.update(node.values)
                right = node.right
                if right is not None and (right.max_hi is None or key < right.max_hi):
                    stack.append(right)
        return visits

    def _cover_add(self, lo: bytes, hi: bytes | None) -> None:
        """Fold the non-empty `[lo, hi)` into the union's boundaries."""
        cover = self._cover
        # An odd i means lo lies inside (or at the end of) the piece starting at cover[i - 1].
        i = bisect_left(cover, lo)
        start, new_lo = (i - 1, cover[i - 1]) if i & 1 else (i, lo)
        new: list[bytes] = [new_lo]
        if hi is None:
            end = len(cover)
        else:
            # An odd j means hi lies inside (or at the start of) the piece starting at cover[j - 1].
            j = bisect_right(cover, hi)
            if not j & 1:
                end = j
                new.append(hi)
            elif j < len(cover):
                end = j + 1
                new.append(cover[j])
            else:
                end = j
        cover[start:end] = new

    def _cover_remove(self, lo: bytes, hi: bytes | None) -> None:
        """Rebuild the union's piece that contained `[lo, hi)`, just removed from the treap.

        Coverage outside `[lo, hi)` is unchanged; inside it, walk the remaining intervals
        greedily (each step O(log n)), so the cost grows with the gaps and chained
        intervals found there, not with the map's size.
        """
        cover = self._cover
        start = bisect_right(cover, lo) - 1
        piece_lo = cover[start]
        piece_hi = cover[start + 1] if start + 1 < len(cover) else None
        new: list[bytes] = []
        if piece_lo < lo:
            _append_piece(new, piece_lo, lo)
        root = self._root
        x = lo
        while True:
            reach = _reach(root, x)
            if reach is None or reach > x:
                if hi is not None and (reach is None or reach > hi):
                    reach = hi
                _append_piece(new, x, reach)
                if reach is None or reach == hi:
                    break
                x = reach
            else:
                next_lo = _next_start(root, x)
                if next_lo is None or (hi is not None and next_lo >= hi):
                    break
                x = next_lo
        if hi is not None and (piece_hi is None or hi < piece_hi):
            _append_piece(new, hi, piece_hi)
        cover[start : start + 2] = new

    def _stab_visits_for_testing(self, key: bytes) -> int:
        """The number of treap nodes a stab for `key` visits, bypassing the union check."""
        return self._collect(key, set())

    def _check_invariants_for_testing(self) -> None:
        """Raise AssertionError if the treap or the union's pieces are inconsistent."""
        nodes: list[_Node[T]] = []  # in order
        stack: list[_Node[T]] = []
        cur = self._root
        while stack or cur is not None:
            while cur is not None:
                stack.append(cur)
                cur = cur.left
            node = stack.pop()
            expected = node.hi
            for child in (node.left, node.right):
                if child is not None:
                    assert child.priority <= node.priority, "heap order"
                    expected = _max_hi(expected, child.max_hi)
            assert node.max_hi == expected, "max_hi"
            nodes.append(node)
            cur = node.right
        assert all(_precedes(a, b) for a, b in pairwise(nodes)), "order"
        live = [n for n in self._nodes.values() if n.hi is None or n.lo < n.hi]
        assert len(nodes) == len(live), "treap holds exactly the non-empty intervals"
        assert all(n.values for n in self._nodes.values()), "no node without values"
        assert self._len == sum(sum(n.values.values()) for n in self._nodes.values()), "len"
        cover: list[bytes] = []
        for node in nodes:
            if cover and len(cover) % 2 == 1:
                continue  # the last piece is already unbounded
            if cover and cover[-1] >= node.lo:
                reach = _max_hi(cover.pop(), node.hi)
            else:
                cover.append(node.lo)
                reach = node.hi
            if reach is not None:
                cover.append(reach)
        assert cover == self._cover, "union boundaries"
