"""How sure Coach G is, in words a runner reads."""

from __future__ import annotations

# At or above this, confidence need not be stated; below it, it always is.
STATE_BELOW = 0.85


def confidence_sentence(confidence: float | None, reasons: list[str]) -> str:
    """A sentence saying how sure Coach G is and, when not sure, why."""
    if confidence is None:
        return ""
    why = "; ".join(r.rstrip(".") for r in reasons[:2])
    because = f" because {why}" if why else ""
    if confidence >= STATE_BELOW:
        return "I'm confident in these numbers: they come straight from your data."
    if confidence >= 0.65:
        return f"I'm fairly sure of this, though not certain{because}."
    if confidence >= 0.4:
        return f"Treat this as a rough estimate{because}."
    return f"I'm not sure about this{because}; please don't rely on it alone."
