"""Writing the annotated clip with PyAV (FFmpeg's encoders, bundled in its wheel).

OpenCV's own writer can only make VP8 at its slowest settings (about 8 ms a frame here) or
MPEG-4 Part 2, which browsers do not play. PyAV reaches libvpx directly, so VP8 is encoded in
real-time mode: about ten times faster at a third of the size, and it plays in every browser.

Two settings matter on a busy machine. VP8's real-time mode with a positive ``cpu-used`` picks
its own speed from how long the last frames took, so under load it slows down further; a
negative value fixes the speed. And libvpx's threads wait for each other by spinning: with two
threads on two cores shared with pose estimation, one frame took 50 ms instead of 2.5 ms. The
annotated clip is small (at most 480 px), so one thread is plenty.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np

#: container suffix -> (encoder, encoder options)
_FORMATS: dict[str, tuple[str, dict[str, str]]] = {
    # VP8 in WebM: browsers. Real-time mode, quality-bounded variable bitrate.
    ".webm": ("libvpx", {"deadline": "realtime", "cpu-used": "-12", "crf": "10", "b": "1M"}),
    # MPEG-4 Part 2 in MP4: desktop players, no patent-encumbered encoder needed.
    ".mp4": ("mpeg4", {"qscale": "4"}),
}


class VideoSink:
    """Frames (BGR, even width and height) in, a video file out; use as a context manager."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        codec, options = _FORMATS[path.suffix]
        self.path = path
        self._container = av.open(str(path), "w")
        rate = Fraction(fps).limit_denominator(1001)
        self._stream = self._container.add_stream(codec, rate=rate, options=options)
        self._stream.width, self._stream.height = size
        self._stream.pix_fmt = "yuv420p"
        self._stream.thread_count = 1  # see the module docstring: spinning threads under load

    def write(self, frame: np.ndarray) -> None:
        """Encode one BGR frame."""
        for packet in self._stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
            self._container.mux(packet)

    def close(self) -> None:
        """Flush the encoder and finish the file."""
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> VideoSink:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
