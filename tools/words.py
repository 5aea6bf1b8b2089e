"""Words for numbers and dates, defined once for the tools and the agent: number words as people
type them ("my last three runs", "a dozen push-ups"), month names and their short forms, and a
day written as a runner reads it ("19 Oct 2025")."""

from __future__ import annotations

from datetime import date, timedelta

#: Number words, as counts ("my last three runs", "five feet eleven").
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "dozen": 12,
}  # fmt: skip

#: Month names and their short forms, lower case, to the month's number (1-12).
MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
#: The month names and short forms as one regular-expression group, longest first (so
#: "january" is read whole, not as "jan").
MONTH_PATTERN = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
#: Each month's full name, in order.
MONTH_NAMES = tuple(max((n for n, i in MONTHS.items() if i == m), key=len) for m in range(1, 13))


def day_words(day: date) -> str:
    """A day as a runner reads it: ``19 Oct 2025``."""
    return f"{day.day} {day:%b %Y}"


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


_COUNTS = ("", "", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def gap_words(days: int) -> str:
    """How long ``days`` is in a runner's words: "about 5 weeks", "about 4 months", "over a
    year", "over two years"."""
    if days < 14:
        return f"{days} days"
    if days < 60:
        return f"about {round(days / 7)} weeks"
    if days < 365:
        return f"about {round(days / 30.4)} months"
    years = days // 365
    return "over a year" if years == 1 else f"over {_COUNTS[years] if years <= 10 else years} years"
