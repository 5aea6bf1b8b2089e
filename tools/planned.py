"""Tools that are designed but not built yet. Each is described like a built one, so the router
learns to recognise what people ask of it and says honestly that it is coming; when a tool is
built, its spec moves beside its function and leaves this list."""

from __future__ import annotations

from tools.spec import ToolSpec

SPECS = (
    ToolSpec(
        name="log_strength",
        function=None,
        summary="logging strength sessions",
        examples=(
            "log 3x5 squats at 80 kg",
            "did deadlifts 4 sets of 6 at 100kg today",
            "record my gym session: lunges 3x10, planks 3x60s",
            "add a strength workout",
            "note that I did calf raises 3x15",
            "log my core session",
            "just finished a gym session, save it",
            "add 3 sets of 8 lunges with 20 kg",
        ),
        planned=True,
    ),
    ToolSpec(
        name="strength_history",
        function=None,
        summary="strength history and records",
        examples=(
            "show my strength history",
            "when did I last deadlift",
            "what's my squat PR",
            "how has my bench progressed",
            "list my gym sessions this month",
            "heaviest squat ever",
            "how much did I lift on lunges last time",
            "what weight did I use for squats",
            "my deadlift numbers over time",
            "when was my last core session",
            "when did I last lift",
        ),
        planned=True,
    ),
)
