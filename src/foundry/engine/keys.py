"""Order-preserving, prefix-free byte encoding of document values, for index keys.

Index keys are stored in SQLite BLOB and PostgreSQL bytea columns, which compare with memcmp,
and are compared in Python as `bytes`. So for any two values `a` and `b`,
`encode_value(a) < encode_value(b)` exactly when `a < b` in Convex's order:

    MISSING < None < number < bool (False < True) < str < list < dict

Numbers are one type: ints and floats compare numerically (NaN after every other number, -0.0
equal to 0.0). Strings compare by code point, lists element by element, dicts as their sorted
(key, value) pairs; a shorter sequence sorts before any longer one it is a prefix of.

Layout (every value starts with a tag byte; no tag is 0x00 or 0xFF):

    0x01 MISSING        0x04 False     0x07 list:   tag, each element, 0x00
    0x02 None           0x05 True      0x08 dict:   tag, each key (as a str) then value, 0x00
    0x03 number: tag + 8 bytes, the float64 big-endian bits with the sign bit set for
         non-negative numbers and all bits flipped for negative ones
    0x06 str: tag + UTF-8 with each 0x00 written as 0x00 0xFF, then the terminator 0x00 0x01

Because every encoding is prefix-free, a key is the plain concatenation of its field encodings
(`encode_key`), and all keys with given leading fields form one contiguous byte range
(`index_range`).
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable, Sequence
from typing import Any, Final, Literal

__all__ = [
    "MISSING",
    "KeyDecodingError",
    "KeyEncodingError",
    "Missing",
    "decode_key",
    "encode_key",
    "encode_value",
    "index_range",
    "prefix_successor",
]


class Missing(enum.Enum):
    """The type of `MISSING`, the value of a field absent from a document."""

    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = Missing.MISSING


class KeyEncodingError(ValueError):
    """A value outside the key domain: an unsupported type, a non-str dict key, or an int that
    float64 cannot hold exactly."""


class KeyDecodingError(ValueError):
    """Bytes that are not a concatenation of value encodings."""


# 0x00 closes lists and dicts; it is below every tag so a prefix sorts before its extensions.
_END: Final = b"\x00"
_MISSING_TAG: Final = 0x01
_NULL_TAG: Final = 0x02
_NUMBER_TAG: Final = 0x03
_FALSE_TAG: Final = 0x04
_TRUE_TAG: Final = 0x05
_STRING_TAG: Final = 0x06
_LIST_TAG: Final = 0x07
_DICT_TAG: Final = 0x08

_MISSING_BYTES: Final = bytes((_MISSING_TAG,))
_NULL_BYTES: Final = bytes((_NULL_TAG,))
_FALSE_BYTES: Final = bytes((_FALSE_TAG,))
_TRUE_BYTES: Final = bytes((_TRUE_TAG,))
_LIST_BYTES: Final = bytes((_LIST_TAG,))
_DICT_BYTES: Final = bytes((_DICT_TAG,))
_STRING_TERMINATOR: Final = b"\x00\x01"

_FLOAT64: Final = struct.Struct(">d")
_UINT64: Final = struct.Struct(">Q")
_TAGGED_UINT64: Final = struct.Struct(">BQ")
_SIGN_BIT: Final = 1 << 63
_ALL_BITS: Final = (1 << 64) - 1
# Every int up to this magnitude is exactly a float64; larger ones only if float(v) == v.
_MAX_EXACT_INT: Final = 1 << 53
# Every NaN is one key, just above +inf: the encoded bits of the canonical quiet NaN.
_NAN_BYTES: Final = _TAGGED_UINT64.pack(_NUMBER_TAG, 0x7FF8_0000_0000_0000 | _SIGN_BIT)
# Single-byte strings, so prefix_successor needs no per-call bytes() construction.
_BYTE: Final = tuple(bytes((i,)) for i in range(256))


def _encode_missing(_v: Missing) -> bytes:
    return _MISSING_BYTES


def _encode_none(_v: None) -> bytes:
    return _NULL_BYTES


def _encode_bool(v: bool) -> bytes:
    return _TRUE_BYTES if v else _FALSE_BYTES


def _encode_float(v: float) -> bytes:
    if v != v:
        return _NAN_BYTES
    # Adding 0.0 turns -0.0 into 0.0: they are equal, so they must share bytes.
    (bits,) = _UINT64.unpack(_FLOAT64.pack(v + 0.0))
    return _TAGGED_UINT64.pack(
        _NUMBER_TAG, bits ^ _ALL_BITS if bits & _SIGN_BIT else bits | _SIGN_BIT
    )


def _encode_int(v: int) -> bytes:
    if -_MAX_EXACT_INT <= v <= _MAX_EXACT_INT:
        (bits,) = _UINT64.unpack(_FLOAT64.pack(v))
        return _TAGGED_UINT64.pack(_NUMBER_TAG, bits | _SIGN_BIT if v >= 0 else bits ^ _ALL_BITS)
    try:
        as_float = float(v)
    except OverflowError:
        as_float = float("inf")
    # Only exactly representable ints keep "equal bytes iff equal values".
    if as_float != v:
        shown = str(v) if v.bit_length() <= 128 else f"of {v.bit_length()} bits"
        raise KeyEncodingError(
            f"int {shown} has no exact float64 value; index keys are float64 numbers"
        )
    return _encode_float(as_float)


def _encode_str(v: str) -> bytes:
    # 0x06 is _STRING_TAG; surrogatepass keeps lone surrogates encodable, in code point order.
    return b"\x06%b\x00\x01" % v.encode("utf-8", "surrogatepass").replace(b"\x00", b"\x00\xff")


# Exact-type dispatch for the scalars: one dict lookup on the hot path instead of isinstance chains.
_SCALAR_ENCODERS: Final[dict[type, Callable[[Any], bytes]]] = {
    str: _encode_str,
    float: _encode_float,
    int: _encode_int,
    bool: _encode_bool,
    type(None): _encode_none,
    Missing: _encode_missing,
}


def _encode_into(v: Any, out: list[bytes]) -> None:
    """Append the encoding of `v` to `out`; handles containers and subclasses of the base types."""
    encoder = _SCALAR_ENCODERS.get(type(v))
    if encoder is not None:
        out.append(encoder(v))
    elif isinstance(v, list):
        out.append(_LIST_BYTES)
        for item in v:
            _encode_into(item, out)
        out.append(_END)
    elif isinstance(v, dict):
        try:
            keys = sorted(v)
        except TypeError:
            raise KeyEncodingError(f"dict keys must be str, got {list(v)!r}") from None
        out.append(_DICT_BYTES)
        for key in keys:
            if not isinstance(key, str):
                raise KeyEncodingError(f"dict keys must be str, got {key!r}")
            out.append(_encode_str(key))
            _encode_into(v[key], out)
        out.append(_END)
    elif isinstance(v, str):
        out.append(_encode_str(v))
    elif isinstance(v, int):
        out.append(_encode_int(v))
    elif isinstance(v, float):
        out.append(_encode_float(v))
    else:
        raise KeyEncodingError(f"cannot encode a {type(v).__name__} in an index key: {v!r}")


def encode_value(v: Any) -> bytes:
    """Encode one value so that byte order matches value order and no encoding is a prefix
    of another. Raises `KeyEncodingError` for values outside the domain."""
    encoder = _SCALAR_ENCODERS.get(type(v))
    if encoder is not None:
        return encoder(v)
    out: list[bytes] = []
    _encode_into(v, out)
    return b"".join(out)


def encode_key(values: Sequence[Any]) -> bytes:
    """Encode an index key (field values, then `_creation_time`, then `_id`) as the
    concatenation of its values' encodings; keys compare field by field."""
    out: list[bytes] = []
    for v in values:
        encoder = _SCALAR_ENCODERS.get(type(v))
        if encoder is not None:
            out.append(encoder(v))
        else:
            _encode_into(v, out)
    return b"".join(out)


def _at_end(b: bytes, i: int) -> bool:
    """Whether `b[i]` closes a list or dict."""
    if i >= len(b):
        raise KeyDecodingError("key ends inside a list or dict")
    return b[i] == 0x00


def _decode_at(b: bytes, i: int) -> tuple[Any, int]:
    """Decode the value starting at `b[i]`; return it and the offset just after it."""
    if i >= len(b):
        raise KeyDecodingError(f"key ends inside a value at byte {i}")
    tag = b[i]
    if tag == _NUMBER_TAG:
        if i + 9 > len(b):
            raise KeyDecodingError(f"truncated number at byte {i}")
        (bits,) = _UINT64.unpack_from(b, i + 1)
        bits = bits ^ _SIGN_BIT if bits & _SIGN_BIT else bits ^ _ALL_BITS
        (number,) = _FLOAT64.unpack(_UINT64.pack(bits))
        return number, i + 9
    if tag == _STRING_TAG:
        end = b.find(_STRING_TERMINATOR, i + 1)
        if end < 0:
            raise KeyDecodingError(f"unterminated string at byte {i}")
        body = b[i + 1 : end]
        # Every 0x00 inside a string is the first half of an escape; anything else is corrupt.
        if body.count(b"\x00") != body.count(b"\x00\xff"):
            raise KeyDecodingError(f"bad escape in string at byte {i}")
        try:
            return body.replace(b"\x00\xff", b"\x00").decode("utf-8", "surrogatepass"), end + 2
        except UnicodeDecodeError as e:
            raise KeyDecodingError(f"invalid UTF-8 in string at byte {i}: {e}") from None
    if tag == _LIST_TAG:
        items: list[Any] = []
        i += 1
        while not _at_end(b, i):
            item, i = _decode_at(b, i)
            items.append(item)
        return items, i + 1
    if tag == _DICT_TAG:
        fields: dict[str, Any] = {}
        i += 1
        while not _at_end(b, i):
            if b[i] != _STRING_TAG:
                raise KeyDecodingError(f"dict key at byte {i} is not a string")
            key, i = _decode_at(b, i)
            fields[key], i = _decode_at(b, i)
        return fields, i + 1
    if tag in _CONSTANTS:
        return _CONSTANTS[tag], i + 1
    raise KeyDecodingError(f"unknown tag 0x{tag:02x} at byte {i}")


_CONSTANTS: Final[dict[int, Any]] = {
    _MISSING_TAG: MISSING,
    _NULL_TAG: None,
    _FALSE_TAG: False,
    _TRUE_TAG: True,
}


def decode_key(b: bytes) -> list[Any]:
    """Decode a key made by `encode_key` back into its values (numbers come back as floats).
    Raises `KeyDecodingError` if `b` is not a valid key."""
    values: list[Any] = []
    i = 0
    while i < len(b):
        value, i = _decode_at(b, i)
        values.append(value)
    return values


def prefix_successor(b: bytes) -> bytes | None:
    """Return the smallest byte string greater than every string that starts with `b`,
    or None if there is none (`b` is empty or all 0xFF), meaning "unbounded"."""
    stripped = b.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + _BYTE[stripped[-1] + 1]


def _after(encoded: bytes) -> bytes:
    # Successor of a key ending in a full value encoding; never None, since tags are never 0xFF.
    stripped = encoded.rstrip(b"\xff")
    return stripped[:-1] + _BYTE[stripped[-1] + 1]


def index_range(
    eq: Sequence[Any],
    lower: tuple[Literal["gt", "gte"], Any] | None = None,
    upper: tuple[Literal["lt", "lte"], Any] | None = None,
) -> tuple[bytes, bytes | None]:
    """Return the half-open byte interval `[lo, hi)` (hi None = unbounded) of the keys whose
    first `len(eq)` fields equal `eq` and whose next field satisfies `lower` and `upper`.

    The interval may be empty (`lo >= hi`) when the bounds exclude everything.
    """
    prefix = encode_key(eq)
    if lower is None:
        lo = prefix
    elif lower[0] == "gte":
        lo = prefix + encode_value(lower[1])
    elif lower[0] == "gt":
        lo = _after(prefix + encode_value(lower[1]))
    else:
        raise ValueError(f"lower bound must be 'gt' or 'gte', got {lower[0]!r}")
    if upper is None:
        hi = prefix_successor(prefix)
    elif upper[0] == "lt":
        hi = prefix + encode_value(upper[1])
    elif upper[0] == "lte":
        hi = _after(prefix + encode_value(upper[1]))
    else:
        raise ValueError(f"upper bound must be 'lt' or 'lte', got {upper[0]!r}")
    return lo, hi
