"""Compact storage of per-second samples: one zlib-packed array per channel."""

from __future__ import annotations

import zlib

import numpy as np

# lat/lng need float64 to keep centimetres; the rest fit float32.
_DTYPES = {"lat": "f8", "lng": "f8", "time": "f8", "distance": "f8"}


def pack(channel: str, values: np.ndarray) -> tuple[str, int, bytes]:
    """``(dtype, length, bytes)`` for a channel; gaps are NaN."""
    dtype = _DTYPES.get(channel, "f4")
    array = np.asarray(values, dtype=dtype)
    return dtype, int(array.size), zlib.compress(array.tobytes(), level=6)


def unpack(dtype: str, length: int, data: bytes) -> np.ndarray:
    """The array :func:`pack` stored."""
    array = np.frombuffer(zlib.decompress(data), dtype=dtype)
    if array.size != length:
        raise ValueError(f"stored stream is damaged: {array.size} samples, expected {length}")
    return array
