"""How runners say it and how the notes say it: a question that uses a runner's word ("spm",
"super shoes", "my hip sags") is searched with the notes' terms added ("cadence", "carbon plated
racing shoes", "pelvic drop")."""

from __future__ import annotations

import re

#: (pattern of a runner's words, the notes' terms for it).
GLOSSARY: tuple[tuple[str, str], ...] = (
    (
        r"\b(spm|turnover|leg speed|steps? (per|a|/) ?min\w*|step rate|steps per minute)",
        "cadence step rate",
    ),
    (r"\b(gct|ground contact)\b", "ground contact time"),
    (r"\b(bounc\w*|up and down)\b", "vertical oscillation"),
    (r"\bheels?\b|\bheel[- ]strik\w*", "rearfoot strike"),
    (r"\b(toes|forefoot|ball of (my|the) foot|midfoot|mid-foot)\b", "forefoot strike"),
    (
        r"\b(super ?shoes?|vapou?rfly\w*|carbon[- ]?plat\w*|racing shoes?)\b",
        "carbon plated racing shoes",
    ),
    (r"\b(over-?pronat\w*|stability shoes?|motion[- ]control)\b", "pronation shoes foot type"),
    (r"\bzero[- ]drop\b|\bheel drop\b", "heel-to-toe drop"),
    (r"\b(runner'?s knee|kneecaps?)\b", "patellofemoral pain"),
    (r"\b(it ?band|itbs?|itb)\b", "iliotibial band syndrome"),
    (r"\bshin ?splints?\b", "medial tibial stress syndrome"),
    (r"\bstress fractures?\b", "bone stress injury"),
    (
        r"\bhips? (drops?|dips?|sags?|sinks?)\b|\bhip drop\b|\bpelvis dips?\b",
        "pelvic drop",
    ),
    (
        r"\bknees? (caves?|caving|collaps\w*|knock\w*|goes? in\w*)\b|\bknock[- ]kneed\b"
        r"|\bvalgus\b",
        "knee alignment inward knee",
    ),
    (r"\b80 ?/ ?20\b|\bpolari[sz]ed\b", "mostly easy low intensity"),
    (r"\b(easy|slow) (running|runs|miles|km|days?)\b|\brun(ning)? slow\b", "low intensity easy"),
    (r"\b(tempo|threshold)\b", "threshold moderate intensity"),
    (
        r"\b(mileage|miles|km|kilometres|volume) (a|per) week\b"
        r"|\bweekly (mileage|miles|km|volume|distance)\b|\bmileage\b",
        "weekly running distance progression",
    ),
    (r"\b10 ?(%|percent|per cent)", "10% rule progression"),
    (
        r"\b(30|20|50) ?(%|percent|per cent)|\bweekly (jump|spike|increase)s?\b"
        r"|\b(jump|spike|increase)s? in (weekly |my )?(mileage|km|volume|distance)\b",
        "large weekly jumps in running distance progression",
    ),
    (
        r"\blong ?runs?\b.{0,40}\b(10|ten) ?(%|percent|per cent)|\b(10|ten) ?(%|percent|per cent)"
        r".{0,40}\blong ?runs?\b|\blongest (run )?of the (last )?(30|thirty) days\b"
        r"|\b(long|single|one)[- ]?runs? (jump|spike|increase)s?\b|\b(jump|spike)s? in (my )?"
        r"long ?runs?\b|\bsudden(ly)? (long|longer|big|bigger) runs?\b",
        "single long-run spikes longest run of the 30 days before",
    ),
    (r"\bacwr\b", "acute:chronic workload ratio"),
    (r"\brpe\b|\bhow hard (it|the run|the session) felt\b", "session RPE perceived exertion"),
    (r"\b(form|technique|style|mechanics)\b", "running technique"),
    (r"\befficien\w*\b", "running economy"),
    (r"\b(lift\w*|gym|weights?|squats?|deadlifts?|resistance training)\b", "strength training"),
    (r"\b(plyo\w*|jumps?|jumping|hops?|bounding)\b", "explosive strength training"),
    (
        r"\b(taper\w*|race week|rest(ing)? (up )?before (the|a|my) race)\b",
        "taper before a race",
    ),
    (r"\bhrv\b", "heart rate variability"),
    (r"\b(hot|heat|humid\w*|summer)\b", "heat"),
    (
        r"\b(overtrain\w*|burn(ed|t)? ?out|always tired|tired all the time|getting slower"
        r"|stale)\b",
        "overtraining underperformance",
    ),
    (r"\bice baths?\b", "cold water immersion"),
    (
        r"\b(come ?back|coming back|returning|back from (an? )?injur\w*"
        r"|after (an? )?injur\w*)\b",
        "return to running after injury",
    ),
    (r"\b(lean\w*|upright|posture|hunch\w*)\b", "trunk lean posture"),
    (r"\barms?\b|\bhands?\b", "arm swing"),
    (r"\b(sleep\w*|nap\w*|bed)\b", "sleep"),
)
_COMPILED = tuple((re.compile(pattern, re.I), terms) for pattern, terms in GLOSSARY)


def expand(question: str) -> str:
    """``question`` with the notes' terms for the runner's words it uses, in brackets."""
    extra = [terms for pattern, terms in _COMPILED if pattern.search(question)]
    return f"{question} ({'; '.join(extra)})" if extra else question
