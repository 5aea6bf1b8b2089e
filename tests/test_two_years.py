"""One calendar year against another ("was 2023 a bigger year than 2022?"): read from the
question, answered with which year had more running, computed here from the raw Strava pages."""

from __future__ import annotations

from datetime import date

from agent.coach import Coach
from tests.worlds import World
from tools.trends.compare import compare_training, two_years

RUNNING = {"Run", "TrailRun", "VirtualRun"}  # running, not walks and hikes


def _km(world: World, year: int) -> float:
    return sum(
        i["distance"] / 1000
        for i in world.raw
        if i["sport_type"] in RUNNING
        and i["distance"] > 0
        and i["start_date_local"][:4] == str(year)
    )


def test_two_years_are_read_from_the_question() -> None:
    assert two_years(" was 2023 a bigger year than 2022 for me? ") == "2023,2022"
    assert two_years(" did i run more in 2024 or 2023 ") == "2024,2023"
    assert two_years(" what did i run in 2023 ") is None
    assert two_years(" 2023 than 2023 ") is None


def test_the_bigger_year_leads_with_both_totals(history_world: World) -> None:
    world = history_world
    km_2023, km_2022 = _km(world, 2023), _km(world, 2022)
    result = compare_training(world.ctx(world.ann), years="2023,2022")
    assert result.ok, result.message
    bigger = 2023 if km_2023 > km_2022 else 2022
    assert result.message.startswith(f"{bigger} was the bigger year")
    assert f"{km_2023:.1f} km of running in 2023" in result.message
    assert f"against {km_2022:.1f} km in 2022" in result.message
    reply = Coach(world.db, world.settings, today=date(2026, 12, 7)).turn(
        world.ann, "was 2023 a bigger year than 2022 for me?"
    )
    assert [c.name for c in reply.tool_calls] == ["compare_training"]
    assert reply.text.startswith(f"{bigger} was the bigger year")
