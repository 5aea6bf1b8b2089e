"""The tool registry: every capability by its canonical name, with a JSON schema derived from its
signature, so the router, an LLM and the UI all see the same contract.

Tools are imported lazily by dotted path: a capability that is not built yet is listed as
unavailable instead of breaking the agent.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from tools.context import ToolContext
from tools.result import ToolResult


class ToolCallError(ValueError):
    """A proposed call names no known tool or has arguments that do not fit its schema."""


@dataclass(frozen=True)
class ToolSpec:
    """A tool: its canonical name, where its function lives, and whether it writes data."""

    name: str
    target: str  # "module:function"
    writes: bool = False

    @cached_property
    def function(self) -> Callable[..., ToolResult] | None:
        module, _, attribute = self.target.partition(":")
        try:
            return getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError):
            return None

    @property
    def available(self) -> bool:
        return self.function is not None

    @property
    def description(self) -> str:
        doc = inspect.getdoc(self.function) if self.function else ""
        return (doc or "").split("\n\n")[0].replace("\n", " ")

    @cached_property
    def arguments(self) -> type[BaseModel]:
        """A pydantic model of the arguments (everything but ``ctx``)."""
        if self.function is None:
            return create_model(f"{self.name}_args")
        hints = get_type_hints(self.function)
        fields: dict[str, Any] = {}
        for name, parameter in inspect.signature(self.function).parameters.items():
            if name == "ctx":
                continue
            default = ... if parameter.default is inspect.Parameter.empty else parameter.default
            fields[name] = (hints.get(name, Any), default)
        config = ConfigDict(extra="forbid")
        return create_model(f"{self.name}_args", __config__=config, **fields)

    def schema(self) -> dict[str, Any]:
        """The JSON schema an LLM is shown: name, description, parameters."""
        parameters = self.arguments.model_json_schema()
        parameters.pop("title", None)
        return {"name": self.name, "description": self.description, "parameters": parameters}

    def validate(self, args: dict[str, Any]) -> dict[str, Any]:
        """``args`` checked and coerced against the schema; raises :class:`ToolCallError`."""
        try:
            return self.arguments.model_validate(args).model_dump()
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                for e in error.errors()
            )
            raise ToolCallError(f"{self.name}: {problems}") from error

    def call(self, ctx: ToolContext, args: dict[str, Any]) -> ToolResult:
        if self.function is None:
            return ToolResult.failure(self.name, f"{self.name} is not available yet.")
        return self.function(ctx, **self.validate(args))


TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec("import_activities", "tools.importing.tool:import_activities", writes=True),
        ToolSpec("sync_strava", "tools.strava.tool:sync_strava", writes=True),
        ToolSpec("list_activities", "tools.activities:list_activities"),
        ToolSpec("analyze_run_video", "tools.gait.tool:analyze_run_video", writes=True),
        ToolSpec("search_knowledge", "tools.knowledge:search_knowledge"),
        ToolSpec("detect_changes", "tools.changes:detect_changes"),
        ToolSpec("training_load", "tools.training_load:training_load"),
        ToolSpec("weekly_checkin", "tools.checkin:weekly_checkin", writes=True),
        ToolSpec("log_strength", "tools.strength:log_strength", writes=True),
        ToolSpec("strength_history", "tools.strength:strength_history"),
    )
}


def get_tool(name: str) -> ToolSpec:
    """The tool called ``name``; raises :class:`ToolCallError` for an unknown name."""
    try:
        return TOOLS[name]
    except KeyError:
        raise ToolCallError(f"There is no tool called {name!r}.") from None


def available_tools() -> list[ToolSpec]:
    """The tools that are built and importable now."""
    return [spec for spec in TOOLS.values() if spec.available]
