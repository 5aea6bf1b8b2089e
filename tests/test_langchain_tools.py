"""Coach G's tools exported as LangChain tools: names, schemas, results and who sees what."""

from __future__ import annotations

import json

import pytest
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import ValidationError

from storage.access import AccessDenied
from storage.db import Database
from storage.settings import Settings
from tests.conftest import People
from tools.activities import list_activities
from tools.context import ToolContext
from tools.langchain_tools import langchain_tools
from tools.registry import TOOLS
from tools.spec import ToolSpec

YEAR_2015 = {"since": "2015-01-01", "until": "2015-12-31"}


def _by_name(tools: list[BaseTool]) -> dict[str, BaseTool]:
    return {tool.name: tool for tool in tools}


READ_ONLY = {
    "coach_overview", "compare_training", "detect_changes", "list_activities", "plan_training",
    "search_knowledge", "show_profile", "strength_history", "training_load", "weekly_checkin",
}  # fmt: skip
WRITES = {
    "edit_plan", "fix_strength", "log_strength", "set_profile", "strength_routine", "sync_strava",
}  # fmt: skip


def test_only_built_read_only_tools_without_files_are_exported(ann_ctx: ToolContext) -> None:
    tools = langchain_tools(ann_ctx)
    names = [tool.name for tool in tools]
    assert all(isinstance(tool, StructuredTool) for tool in tools)
    assert len(names) == len(set(names))
    assert {"list_activities", "search_knowledge"} <= set(names)
    # the read-only tools that take no file, named here rather than rebuilt with the code's filter
    assert set(names) == READ_ONLY
    for name in names:
        spec = TOOLS[name]
        assert spec.available and not spec.writes and not spec.file_arg
    # Writes, file tools and planned tools stay out.
    for left_out in ("sync_strava", "import_activities", "analyze_run_video"):
        assert left_out not in names
    assert not any(TOOLS[name].planned for name in names)
    assert not set(names) & {s.name for s in TOOLS.values() if s.planned}


def test_writes_only_on_request_and_file_tools_never(ann_ctx: ToolContext) -> None:
    names = {tool.name for tool in langchain_tools(ann_ctx, include_writes=True)}
    assert "sync_strava" in names
    assert {"list_activities", "search_knowledge"} <= names
    assert "import_activities" not in names
    assert "analyze_run_video" not in names
    assert names == READ_ONLY | WRITES


@pytest.mark.parametrize("include_writes", [False, True])
def test_schemas_carry_each_arguments_description(
    ann_ctx: ToolContext, include_writes: bool
) -> None:
    for tool in langchain_tools(ann_ctx, include_writes=include_writes):
        spec = TOOLS[tool.name]
        assert tool.description == spec.description
        assert tool.args_schema is spec.arguments
        help_ = spec.argument_help
        assert help_, f"{tool.name} documents no arguments"
        for properties in (tool.args, tool.tool_call_schema.model_json_schema()["properties"]):
            assert set(properties) == set(spec.arguments.model_fields)
            for name, about in help_.items():
                assert properties[name]["description"] == about


def test_list_activities_schema_has_the_documented_arguments(ann_ctx: ToolContext) -> None:
    tool = _by_name(langchain_tools(ann_ctx))["list_activities"]
    assert set(tool.args) == {
        "since",
        "until",
        "sport",
        "limit",
        "order",
        "distance",
        "race",
        "min_km",
    }
    assert "YYYY-MM-DD" in tool.args["since"]["description"]
    assert "newest" in tool.args["limit"]["description"]


def test_list_activities_gives_the_same_facts_as_the_tool_itself(
    ann_ctx: ToolContext, ann_runs: None
) -> None:
    tool = _by_name(langchain_tools(ann_ctx))["list_activities"]
    out = tool.invoke(YEAR_2015)
    direct = list_activities(ann_ctx, **YEAR_2015)

    assert isinstance(out, dict)
    assert json.loads(json.dumps(out)) == out  # plain JSON, nothing to convert
    assert out == direct.to_dict()
    assert out["ok"] is True and out["tool"] == "list_activities"
    facts = {f["name"]: f["value"] for f in out["facts"]}
    assert facts == {f.name: f.value for f in direct.facts}
    assert facts["count"] > 0
    rows = out["data"]["rows"]
    assert rows and all(row["start_time"].startswith("2015") for row in rows)
    # The dates were used: a year without runs gives none.
    empty = tool.invoke({"since": "1990-01-01", "until": "1990-12-31"})
    assert {f["name"]: f["value"] for f in empty["facts"]}["count"] == 0


def test_a_bad_argument_is_refused_before_the_tool_runs(
    ann_ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_call = ToolSpec.call

    def spy(self: ToolSpec, ctx: ToolContext, args: dict) -> object:
        calls.append(self.name)
        return real_call(self, ctx, args)

    monkeypatch.setattr(ToolSpec, "call", spy)
    tool = _by_name(langchain_tools(ann_ctx))["list_activities"]
    with pytest.raises(ValidationError):
        tool.invoke({**YEAR_2015, "limit": "lots"})
    with pytest.raises(ValidationError):
        tool.invoke({"athlete_id": 1})  # no argument may pick another athlete
    assert calls == []
    tool.invoke(YEAR_2015)
    assert calls == ["list_activities"]


def test_bob_never_sees_anns_activities(
    db: Database, people: People, settings: Settings, ann_ctx: ToolContext, ann_runs: None
) -> None:
    ann_tool = _by_name(langchain_tools(ann_ctx))["list_activities"]
    ann_count = {f["name"]: f["value"] for f in ann_tool.invoke({})["facts"]}["count"]
    assert ann_count > 5

    bob_ctx = ToolContext(db=db, actor=people.bob, settings=settings)
    bob_tool = _by_name(langchain_tools(bob_ctx))["list_activities"]
    for args in ({}, YEAR_2015, {"limit": 1000}):
        out = bob_tool.invoke(args)
        assert {f["name"]: f["value"] for f in out["facts"]}["count"] == 0
        assert out["data"]["rows"] == []
    # Nor can Bob be given a context about Ann to export.
    with pytest.raises(AccessDenied):
        ToolContext(db=db, actor=people.bob, settings=settings, athlete_id=people.ann.id)


def test_her_coach_sees_ann_through_the_export(
    db: Database, people: People, settings: Settings, ann_runs: None
) -> None:
    cora_ctx = ToolContext(db=db, actor=people.cora, settings=settings, athlete_id=people.ann.id)
    out = _by_name(langchain_tools(cora_ctx))["list_activities"].invoke(YEAR_2015)
    assert {f["name"]: f["value"] for f in out["facts"]}["count"] > 0
