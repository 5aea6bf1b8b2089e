"""What one import may spend: uncompressed bytes, files, time, and the size of one XML file.

A hostile or mistaken upload (a zip of 200 members of 60 MB of zeros, a 55 MB GPX) must not
hold the machine for minutes: a file that would go over a budget fails on its own, with a
message that says what to do, and everything before it is kept. Importing again recognises
what is already there, so the rest can follow in a second import.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from storage.settings import Settings
from tools.importing.errors import ActivityFileError

MB = 1024 * 1024
XML_FORMATS = ("gpx", "tcx")


@dataclass(frozen=True)
class ImportLimits:
    """The budgets of one import (see ``COACHG_IMPORT_*`` in :mod:`storage.settings`)."""

    max_bytes: int = 2048 * MB
    max_files: int = 20_000
    max_seconds: float = 30 * 60.0
    max_xml_bytes: int = 32 * MB

    @classmethod
    def from_settings(cls, settings: Settings) -> ImportLimits:
        return cls(
            max_bytes=settings.import_max_mb * MB,
            max_files=settings.import_max_files,
            max_seconds=settings.import_max_minutes * 60.0,
            max_xml_bytes=settings.import_max_xml_mb * MB,
        )


def _size(n: int) -> str:
    return f"{n / MB:.0f} MB" if n < 1024 * MB else f"{n / 1024 / MB:.1f} GB"


@dataclass
class ImportBudget:
    """What an import has spent so far against its :class:`ImportLimits`."""

    limits: ImportLimits = field(default_factory=ImportLimits)
    started: float = field(default_factory=time.monotonic)
    spent_bytes: int = 0

    def check_time(self, name: str) -> None:
        """Refuse to start on ``name`` once the import has used its time."""
        if time.monotonic() - self.started > self.limits.max_seconds:
            minutes = self.limits.max_seconds / 60
            raise ActivityFileError(
                f"{name} was not read: this import used its {minutes:g} minutes. Import the "
                "same files again to add the rest (what was imported is recognised and kept)"
            )

    def check_size(self, name: str, fmt: str, size: int) -> None:
        """Refuse ``name`` (``size`` bytes once uncompressed) when it is an XML file too big to
        read, or when it would take the import over its bytes."""
        if fmt in XML_FORMATS and size > self.limits.max_xml_bytes:
            raise ActivityFileError(
                f"{name} is {_size(size)}, over the {_size(self.limits.max_xml_bytes)} limit for "
                f"one {fmt.upper()} file (reading XML that big takes gigabytes of memory); "
                "export the activity as FIT, or split it"
            )
        if self.spent_bytes + size > self.limits.max_bytes:
            raise ActivityFileError(
                f"{name} was not read: it would take this import past its "
                f"{_size(self.limits.max_bytes)} of unpacked activity files. Import it on its "
                "own, or in a smaller batch"
            )

    def spend(self, size: int) -> None:
        self.spent_bytes += size

    def too_many_files(self, count: int) -> str:
        """The reason an archive or folder of ``count`` activity files is refused, or ""."""
        if count <= self.limits.max_files:
            return ""
        return (
            f"holds {count} activity files, over the limit of {self.limits.max_files} for one "
            "import; unpack it and import the folders you need a part at a time"
        )


def unpacked_size(data: bytes, gzipped: bool) -> int:
    """The size of a file once unpacked: a gzip stream's own trailer says it (modulo 4 GB;
    :func:`tools.importing.sources.gunzip` caps the real output anyway)."""
    if gzipped and len(data) >= 4:
        return max(len(data), int.from_bytes(data[-4:], "little"))
    return len(data)
