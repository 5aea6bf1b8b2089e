"""The claims of the notes a coach checked against their papers (issue 19; the whole audit is in
``evals/notes_audit.md``): each note section that cites one of these papers states the figure the
paper reports, and none repeats the overstatement the audit removed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

NOTES = Path(__file__).resolve().parents[1] / "knowledge" / "notes"


@dataclass(frozen=True)
class Claim:
    """A paper as the notes cite it: what a section citing it must say and must not."""

    paper: str  # how the source line names it
    says: tuple[str, ...]  # regular expressions a citing section must match
    never: tuple[str, ...] = ()  # and must not


CLAIMS = (
    # Nielsen et al. 2014, J Orthop Sports Phys Ther: >30 % weekly progression, distance-related
    # injuries, hazard ratio 1.59 (95 % CI 0.96-2.66): not statistically significant
    Claim(
        "Nielsen RO",
        (r"1\.59", r"0\.96\s*-\s*2\.66", r"not statistically significant|not significant"),
        (r"more than 30\s?% (was|were|is) associated with injur",),
    ),
    # Frandsen et al. 2025, Br J Sports Med: single-run spikes HR 1.64 / 1.52 / 2.28, so risk did
    # not rise steadily with spike size
    Claim(
        "Frandsen JSB",
        (r"1\.64", r"1\.52", r"2\.28"),
        (r"risk (grew|rose|increased) with (the )?(spike|size)",),
    ),
    # Heiderscheit et al. 2011, Med Sci Sports Exerc: the hip changed only at +10 %
    Claim("Heiderscheit BC, Chumanov ES", (r"only at \+?10\s?%",)),
    # Cavanagh & Kram 1989: step frequency nearly flat with speed, not tied to body size
    Claim(
        "Cavanagh PR, Kram R",
        (r"nearly constant|nearly flat", r"not related to (height|body)"),
        (r"depends on (your )?(leg length|body size)",),
    ),
    # Moore 2016, Sports Med: strides up to about 3 % shorter than preferred kept economy
    Claim(
        "Moore IS. Is there an economical",
        (r"3\s?% shorter",),
        (r"about 5\s?% more steps",),
    ),
    # Lauersen et al. 2014, Br J Sports Med: strength training's own risk ratio 0.32; the
    # near-halving (0.53) was for overuse injuries across all exercise programmes
    Claim("Lauersen JB, Bertelsen DM", (r"0\.32", r"0\.53")),
    # Wilber et al. 1996, Med Sci Sports Exerc: 16 trained male runners, 6 wk deep-water running,
    # treadmill VO2max 58.7 -> 59.6 ml/kg/min, no significant change
    Claim("Wilber RL", (r"\b16\b|sixteen", r"58\.7", r"59\.6", r"six weeks|6 w")),
    # Bushman et al. 1997, Med Sci Sports Exerc: 11 runners, 4 wk only deep-water running, 5 km
    # treadmill time 1142.7 -> 1149.8 s, not significant, and no running control group
    Claim(
        "Bushman BA, Flynn MG",
        (r"\b11\b|eleven", r"1142\.7", r"1149\.8", r"no comparison group"),
        (r"5 km[^.]{0,40}improved",),
    ),
    # Eyestone et al. 1993, Am J Sports Med: 32 trained, 6 wk; VO2max fell slightly in all three
    # groups, 2-mile time unchanged; the author list was not in the record checked
    Claim(
        "Eyestone ED",
        (r"\b32\b", r"2-mile", r"drop in VO2max|VO2max fell", r"initials are unverified"),
        (r"VO2max (was )?(kept|maintained|unchanged)",),
    ),
    # Mutton et al. 1993, Med Sci Sports Exerc: 11 runners (6 run, 5 cycle/run), 5 wk, VO2max
    # 55.3 -> 58.2 and 55.6 -> 58.9, no difference between groups
    Claim("Mutton DL", (r"55\.3 to 58\.2", r"55\.6 to 58\.9", r"five weeks|5 w")),
    # Flynn et al. 1998, Med Sci Sports Exerc: 20 runners, 5 km 1096.6 -> 1068.6 s, CT = RT
    Claim(
        "Flynn MG, Carroll KK",
        (r"Twenty|\b20\b", r"1096\.6", r"1068\.6", r"did not differ|no difference"),
    ),
    # Foster et al. 1995, Eur J Appl Physiol: 3.2 km time trial -26.4 s (run), -13.2 s (swim),
    # -5.4 s (control): swimming helped, but about half as much as the same extra running
    Claim(
        "Foster C, Hector LL",
        (r"\b30\b|thirty", r"26\.4", r"13\.2", r"5\.4", r"half as much"),
        (r"swimming (improved|helped)[^.]{0,30}as much as",),
    ),
    # Bosch et al. 2021, Int J Sport Nutr Exerc Metab: 18 trained runners, VO2max 49.3 / 48.0 /
    # 46.7 (treadmill, elliptical, stepper), one lab visit, not a training study
    Claim("Bosch AN", (r"\b18\b", r"49\.3", r"48\.0", r"not a training study")),
    # Tanaka 1994, Sports Med review: cross-training effects never exceed sport-specific training
    Claim("Tanaka H", (r"never exceeded",), (r"better than running",)),
)


def _sections() -> list[tuple[str, str]]:
    """Every section of every note, as (note:heading, text)."""
    found = []
    for path in sorted(NOTES.glob("*.md")):
        for part in re.split(r"^## ", path.read_text(), flags=re.M)[1:]:
            heading = part.splitlines()[0]
            found.append((f"{path.stem}: {heading}", " ".join(part.split())))
    return found


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.paper for c in CLAIMS])
def test_a_section_citing_the_paper_says_what_it_found(claim: Claim) -> None:
    citing = [(name, text) for name, text in _sections() if claim.paper in text]
    assert citing, f"no note cites {claim.paper}"
    for pattern in claim.says:  # at least one citing section gives each checked figure
        assert any(re.search(pattern, text, re.I) for _, text in citing), (claim.paper, pattern)
    for name, text in citing:
        for pattern in claim.never:
            assert not re.search(pattern, text, re.I), (name, pattern)


def test_the_load_curves_are_not_called_williams_2017() -> None:
    """Fitness and fatigue use 1/42 and 1/7 (Banister / Coggan), not Williams et al.'s 2/(N+1)."""
    text = (NOTES / "training_load.md").read_text()
    assert "2/(N+1)" in text and re.search(r"Banister", text)
    assert not re.search(r"(EWMA|fitness and fatigue)[^.]{0,80}\(Williams", text)
