"""A model that holds a resource (a graph, a session) freed by ``close()``, and so can be used
in a ``with`` block."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Closes:
    """``with Model(...) as model:`` closes the model at the end of the block."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
