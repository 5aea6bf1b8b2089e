"""A verdict on one of the athlete's values against the typical range the literature gives for
it (``knowledge.reference_ranges``): within it, or a little below or above it, which on its own
is no problem. Used beside a note ("is my cadence ok?") and beside a metric's recent level."""

from __future__ import annotations

from knowledge.reference_ranges import RANGES
from tools.result import Fact, Finding


def range_verdict(metric: str, fact: Fact, whose: str, source: str = "") -> Finding | None:
    """The finding for ``fact`` (the athlete's level of ``metric``, a key of ``RANGES``), or None
    when the metric has no typical range. ``whose`` is "your" or an athlete's name with "'s";
    ``source`` says where the level comes from when it is not the recent runs ("from your runs
    up to 19 Oct 2025, over a year ago", "from your video of 7 Dec 2026")."""
    typical = RANGES.get(metric)
    if typical is None or typical.low is None or typical.high is None:
        return None
    value = float(fact.value)
    span = f"{typical.low:g}-{typical.high:g} {typical.unit}"
    name = metric.replace("_", " ")
    said = f"{{{fact.name}}}" + (f" ({source})" if source else "")
    if typical.low <= value <= typical.high:
        verdict = f"Yes, {whose} {name} is fine: {said} is within the typical {span}."
        action = "Nothing to change for its own sake."
    else:
        side = "below" if value < typical.low else "above"
        verdict = f"{whose[:1].upper()}{whose[1:]} {name} is OK, a little {side} the typical "
        verdict += f"{span}: {said}, which on its own is not a problem."
        action = (
            "Change it only for a reason (such as overstriding), gradually, about 5 % at a time."
            if metric == "cadence"
            else "Treat it as something to watch, not a fault."
        )
    return Finding(
        topic=f"{metric}_range",
        verdict=verdict,
        evidence=(typical.note,),
        action=action,
        source=" ".join(s.cite() for s in typical.sources),
        confidence=0.7,
        margin=f"The typical range is {span}; there is no single ideal value.",
        answers=("judgement", "should"),
        priority=1,
        cue=rf"\b{name.split()[0]}",
    )
