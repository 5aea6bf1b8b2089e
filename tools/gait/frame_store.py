"""The clip's frames kept from the pose pass, JPEG-compressed, so that the annotated clip and
the key frames are drawn without decoding the video a second time.

The pose pass decodes every analysed frame and shrinks it to at most ``POSE_MAX_SIDE`` pixels;
keeping those small frames costs about 2 ms and 45 kB each, against decoding the clip again at
full resolution (1.5 s for a 12 s 720p clip here, more at 1080p). Long clips are not kept (see
:data:`MAX_KEPT`); the drawing then decodes the clip again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Frames are kept only for clips of at most this many analysed frames (about 160 MB).
MAX_KEPT = 3600
#: JPEG quality of a kept frame (OpenCV is imported when frames are kept, not with this module).
QUALITY = 90


def encode(image: np.ndarray) -> np.ndarray:
    """One BGR image as JPEG bytes (a uint8 array)."""
    import cv2

    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 BGR image
        raise ValueError("could not encode a frame")
    return data.ravel()


@dataclass(frozen=True)
class FrameStore:
    """JPEG frames by frame index: ``indices`` ascending, the i-th image in
    ``data[offsets[i]:offsets[i + 1]]``, each ``scale`` times the size of the upright picture."""

    indices: np.ndarray
    offsets: np.ndarray
    data: np.ndarray
    scale: float

    @classmethod
    def pack(cls, indices: list[int], images: list[np.ndarray], scale: float) -> FrameStore:
        """A store of ``images`` (JPEG byte arrays, from :func:`encode`) at ``indices``."""
        sizes = [len(image) for image in images]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        data = np.concatenate(images) if images else np.zeros(0, dtype=np.uint8)
        return cls(np.asarray(indices, dtype=np.int64), offsets, data, scale)

    @classmethod
    def join(cls, stores: list[FrameStore | None]) -> FrameStore | None:
        """The stores in order as one (None when there are none, or any is missing)."""
        parts = [p for p in stores if p is not None]
        if not parts or len(parts) < len(stores):
            return None
        shift = np.cumsum([0] + [len(p.data) for p in parts[:-1]])
        offsets = [p.offsets[:-1] + s for p, s in zip(parts, shift, strict=True)]
        return cls(
            np.concatenate([p.indices for p in parts]),
            np.concatenate([*offsets, [sum(len(p.data) for p in parts)]]).astype(np.int64),
            np.concatenate([p.data for p in parts]),
            parts[0].scale,
        )

    def nearest(self, index: int) -> int:
        """The kept frame index nearest ``index``."""
        i = int(np.searchsorted(self.indices, index))
        near = [j for j in (i - 1, i) if 0 <= j < len(self.indices)]
        return int(self.indices[min(near, key=lambda j: abs(int(self.indices[j]) - index))])

    def image(self, index: int) -> np.ndarray:
        """The BGR image of kept frame ``index`` (KeyError when it was not kept)."""
        i = int(np.searchsorted(self.indices, index))
        if i >= len(self.indices) or self.indices[i] != index:
            raise KeyError(index)
        raw = self.data[self.offsets[i] : self.offsets[i + 1]]
        import cv2

        return cv2.imdecode(raw, cv2.IMREAD_COLOR)
