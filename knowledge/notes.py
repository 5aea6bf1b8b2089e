"""The biomechanics notes: Markdown files in knowledge/notes/, one claim per section, each with
its source. They are split into passages for the search index."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

NOTES_DIR = Path(__file__).resolve().parent / "notes"


@dataclass(frozen=True)
class Passage:
    """One section of a note: a claim and the source it rests on."""

    id: str
    topic: str
    title: str
    text: str
    source: str
    #: The answer a coach would lead with for a should-question on this claim ("In short: ...",
    #: worded no stronger than the claim); shown, not searched.
    short: str = ""

    @property
    def searchable(self) -> str:
        """What is embedded and matched: the note's topic and the section title with the claim."""
        return f"{self.topic}: {self.title}. {self.text}"

    @property
    def digest(self) -> str:
        """Changes whenever what is embedded or shown changes."""
        shown = f"{self.searchable}\n{self.source}\n{self.short}"
        return hashlib.sha256(shown.encode()).hexdigest()[:16]


def load_passages(folder: Path = NOTES_DIR) -> list[Passage]:
    """Every ``## `` section of every note, in file order."""
    passages = []
    for path in sorted(folder.glob("*.md")):
        topic = ""
        for index, block in enumerate(re.split(r"^## ", path.read_text(), flags=re.M)):
            if index == 0:
                topic = block.strip().removeprefix("# ").strip()
                continue
            title, _, body = block.partition("\n")
            body = " ".join(body.split())
            claim, _, source = body.partition("Source:")
            claim, _, short = claim.partition("In short:")
            passages.append(
                Passage(
                    id=f"{path.stem}-{index}",
                    topic=topic,
                    title=title.strip(),
                    text=claim.strip(),
                    source=source.strip(),
                    short=short.strip(),
                )
            )
    return passages
