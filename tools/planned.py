"""Tools that are designed but not built yet. Each is described like a built one, so the router
learns to recognise what people ask of it and says honestly that it is coming; when a tool is
built, its spec moves beside its function and leaves this list."""

from __future__ import annotations

from tools.spec import ToolSpec

SPECS: tuple[ToolSpec, ...] = ()
