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
