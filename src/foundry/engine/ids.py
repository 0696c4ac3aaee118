"""Document ids: sortable by creation time, unguessable, and naming their table.

An id is 144 bits written in 29 characters of Crockford's lowercase base32: 48 bits of milliseconds
since the epoch, 80 random bits, and the 16-bit number of the document's table.
"""

from __future__ import annotations

import secrets
import threading

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_DECODE = {c: i for i, c in enumerate(ALPHABET)}
ID_LENGTH = 29
MAX_TABLE_NUMBER = 0xFFFF


_last_lock = threading.Lock()
_last: tuple[int, int] = (0, 0)  # (millisecond, base) of the latest transaction in this process


def random_base(now_ms: int) -> int:
    """A transaction's id base: random, and above every earlier base of the same millisecond.

    Bases climb by a random step within a millisecond, so documents of later transactions sort
    after earlier ones while the next id stays unpredictable. The low 16 bits are left free for
    the sequence of ids inside one transaction.
    """
    global _last
    with _last_lock:
        last_ms, last_base = _last
        base = 0
        if now_ms == last_ms:
            base = last_base + ((secrets.randbits(40) + 1) << 16)
        if base == 0 or base >= 1 << 80:
            base = secrets.randbits(63) << 16  # the lower half of the range leaves room to climb
        _last = (now_ms, base)
        return base


def new_id(table_number: int, now_ms: int, base: int | None = None, sequence: int = 0) -> str:
    """A fresh id for a document of the table numbered `table_number`.

    Ids made in one transaction share `base` and count up by `sequence`, so documents inserted
    in the same millisecond keep their insertion order.
    """
    random_part = (random_base(now_ms) if base is None else base) + sequence
    value = ((now_ms & 0xFFFF_FFFF_FFFF) << 96) | (random_part << 16) | table_number
    chars = []
    for _ in range(ID_LENGTH):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def table_number_of(doc_id: str) -> int | None:
    """The table number an id carries, or None if `doc_id` is not an id."""
    if len(doc_id) != ID_LENGTH:
        return None
    value = 0
    for c in doc_id:
        digit = _DECODE.get(c)
        if digit is None:
            return None
        value = (value << 5) | digit
    return value & 0xFFFF
