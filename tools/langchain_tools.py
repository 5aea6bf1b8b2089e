"""Coach G's tools as LangChain tools, so any LangChain or LangGraph agent can call them.

Each built tool becomes a :class:`langchain_core.tools.StructuredTool` with the spec's name,
description and argument model (so every argument keeps its description). The tool runs through
:meth:`ToolSpec.call` with the given :class:`ToolContext`, so it sees only what that user may see,
and returns :meth:`ToolResult.to_dict` (plain JSON).

Two kinds of tool are left out:

* tools that write, unless ``include_writes=True``: Coach G asks the user before a write runs, and
  a LangChain agent would run it without that yes;
* tools that take a file (``file_arg``): only files attached to a chat turn may fill them, never a
  path a model makes up.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tools.context import ToolContext
from tools.registry import available_tools
from tools.spec import ToolSpec

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool


def exported_specs(include_writes: bool = False) -> list[ToolSpec]:
    """The specs that :func:`langchain_tools` exports, in registry order."""
    return [
        spec
        for spec in available_tools()
        if not spec.file_arg and (include_writes or not spec.writes)
    ]


def _runner(spec: ToolSpec, ctx: ToolContext):
    def run(**kwargs: Any) -> dict[str, Any]:
        result = spec.call(ctx, kwargs)
        # Round-trip through JSON so whatever a tool put in ``data`` (a Path, a date) arrives as
        # plain JSON values, as ``to_dict`` promises.
        return json.loads(json.dumps(result.to_dict(), default=str))

    run.__name__ = spec.name
    run.__doc__ = spec.description
    return run


def langchain_tools(ctx: ToolContext, include_writes: bool = False) -> list[BaseTool]:
    """One LangChain ``StructuredTool`` per built Coach G tool, acting as ``ctx`` says.

    Tools that write are included only with ``include_writes=True``; tools that take a file are
    never included.
    """
    try:
        from langchain_core.tools import StructuredTool
    except ImportError as error:  # pragma: no cover - langchain-core is a dependency
        raise ImportError(
            "Exporting Coach G's tools to LangChain needs langchain-core: "
            "pip install 'langchain-core>=1.0,<2'"
        ) from error

    return [
        StructuredTool.from_function(
            func=_runner(spec, ctx),
            name=spec.name,
            description=spec.description,
            args_schema=spec.arguments,
            infer_schema=False,
        )
        for spec in exported_specs(include_writes)
    ]
