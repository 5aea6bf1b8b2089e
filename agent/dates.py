"""Dates in plain words -> a ``[since, until)`` range of ISO dates.

"since March", "last 2 weeks", "this month", "in 2024", "yesterday", "between 1 May and
10 June", "from the 1st to the 15th of October", "on the 3rd of November", "on 14/11" (day
first), "last weekend", "the week before last", "thursday's run", "this summer", "the last 6
months", "since the start of the year", "2025-03-01", "Oct 3rd thru Oct 9th", "in September
and October", "jan 2025" (the whole month), "the week of 9 Nov" (Monday to Sunday), "Q3",
"last quarter", "on the 14th" (of this month if it has come, else of the last) ... Relative
phrases are resolved against ``today`` (a parameter, so tests and evaluations are repeatable).
"The last N months (years)" are calendar months (years) up to today. A range never ends before
it starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from tools.words import MONTH_PATTERN as _MONTH
from tools.words import MONTHS, NUMBER_WORDS

#: Counts in a period ("a few weeks", "the last two months"): the number words, and more.
_NUMBER_WORDS = NUMBER_WORDS | {"a": 1, "an": 1, "couple of": 2, "few": 3}
_COUNT = r"(\d+|" + "|".join(_NUMBER_WORDS) + ")"
_ORDINAL = r"(?:st|nd|rd|th)?"
_DAY = (
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{4}"
    # "14/11"; "6/10" is a score out of ten ("motivation 6/10") unless a date is plainly meant
    r"|(?:\d{1,2}/(?!10(?![/\d]))\d{1,2}|(?<=on )\d{1,2}/10|(?<=since )\d{1,2}/10"
    r"|(?<=from )\d{1,2}/10|(?<=until )\d{1,2}/10)(?![/\d])"
    rf"|(?:the )?\d{{1,2}}{_ORDINAL}(?: of)? {_MONTH}(?:,? \d{{4}})?"
    rf"|{_MONTH} (?:the )?\d{{1,2}}(?!\d){_ORDINAL}(?:,? \d{{4}})?"
)
_WEEKDAYS = ("mon", "tues", "wednes", "thurs", "fri", "satur", "sun")
_WEEKDAY = r"(mon|tues|wednes|thurs|fri|satur|sun)day"
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "year": 365}
#: Meteorological seasons of the northern hemisphere: (first month, months long). Winter starts
#: in December and runs into the next year.
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_JOIN = r"(?:and|to|until|till|through|thru|-)"
#: Words that join the two ends of a range with no "from" or "between" before it.
_THROUGH = r"(?:to|until|till|through|thru|-)"
_YEAR = r"((?:19|20)\d{2})"
_QUARTERS = {"q1": 1, "q2": 2, "q3": 3, "q4": 4, "first": 1, "second": 2, "third": 3}
_QUARTERS |= {"fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}


@dataclass(frozen=True)
class DateRange:
    """Activities from ``since`` (inclusive) to ``until`` (exclusive); either may be open."""

    since: date | None = None
    until: date | None = None

    def as_args(self) -> dict[str, str]:
        """``since``/``until`` as tools take them: ISO dates, both days included."""
        out = {}
        if self.since:
            out["since"] = self.since.isoformat()
        if self.until:
            out["until"] = (self.until - timedelta(days=1)).isoformat()
        return out


def _month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _months_back(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = (_next_month(date(year, month + 1, 1)) - timedelta(days=1)).day
    return date(year, month + 1, min(day.day, last))


def _window(today: date, count: int, unit: str) -> DateRange:
    """The last ``count`` units up to and including ``today``."""
    if unit in ("month", "year"):
        start = _months_back(today, count * (12 if unit == "year" else 1)) + timedelta(days=1)
        return DateRange(start, None)
    return DateRange(today - timedelta(days=count * _UNIT_DAYS[unit] - 1), None)


def _latest_past_month(month: int, today: date, year: int | None) -> int:
    if year is not None:
        return year
    return today.year if month <= today.month else today.year - 1


def _day_parts(text: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of '1 May', 'the 1st of May', 'May 1', 'May 1st 2025',
    '2025-05-01', '01/05/2025' and '14/11' (day first)."""
    text = re.sub(r"\bthe ", "", text)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        return int(m[1]), int(m[2]), int(m[3])
    if m := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}))?", text):
        first, second = int(m[1]), int(m[2])
        if second > 12 >= first:  # 11/20 can only be month first
            first, second = second, first
        return (int(m[3]) if m[3] else None), second, first
    if m := re.fullmatch(rf"(\d{{1,2}})(?:st|nd|rd|th)?(?: of)? {_MONTH}(?:,? (\d{{4}}))?", text):
        return (int(m[3]) if m[3] else None), _month(m[2]), int(m[1])
    if m := re.fullmatch(rf"{_MONTH} (\d{{1,2}})(?:st|nd|rd|th)?(?:,? (\d{{4}}))?", text):
        return (int(m[3]) if m[3] else None), _month(m[1]), int(m[2])
    return None


def _month(name: str) -> int:
    return MONTHS[name[:3] if name[:4] != "sept" else "sep"]


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:  # 31/02, 14/13
        return None


def _day_month(text: str, today: date) -> date | None:
    """The day ``text`` names; without a year, the latest such month up to today's."""
    if not (parts := _day_parts(text)):
        return None
    year, month, day = parts
    return _make(_latest_past_month(month, today, year), month, day)


def _span(first: str, last: str, today: date) -> DateRange | None:
    """Both days of 'between X and Y', inclusive. A year named on one end applies to the other
    ('Sept 5 and Sept 12 2025'), and a range never ends before it starts ('Dec 20 to Jan 5')."""
    a, b = _day_parts(first), _day_parts(last)
    if not (a and b):
        return None
    if a[0] is None and b[0] is None:
        end = _make(_latest_past_month(b[1], today, None), b[1], b[2])
        start = end and _make(end.year, a[1], a[2])
        if start and end and start > end:
            start = _make(end.year - 1, a[1], a[2])
    elif a[0] is None:
        end = _make(*b)
        start = end and _make(end.year, a[1], a[2])
        if start and end and start > end:
            start = _make(end.year - 1, a[1], a[2])
    elif b[0] is None:
        start = _make(*a)
        end = start and _make(start.year, b[1], b[2])
        if start and end and end < start:
            end = _make(start.year + 1, b[1], b[2])
    else:
        start, end = _make(*a), _make(*b)
    if not (start and end):
        return None
    start, end = min(start, end), max(start, end)
    return DateRange(start, end + timedelta(days=1))


def _season(name: str, which: str | None, year: int | None, today: date) -> DateRange:
    """A season: of ``year`` if named (winter 2025 = Dec 2025 - Feb 2026), else the one under
    way or the latest begun ("this summer"); "last" means the one before if one is under way."""
    first = _SEASONS[name]
    if year is None:
        year = today.year if today.month >= first else today.year - 1
        start = date(year, first, 1)
        under_way = today < _months_forward(start, 3)
        if which in ("last", "previous") and under_way:
            year -= 1
    start = date(year, first, 1)
    return DateRange(start, _months_forward(start, 3))


def _months_forward(day: date, months: int) -> date:
    for _ in range(months):
        day = _next_month(day)
    return day


def _month_span(
    first: str, last: str, year_a: str | None, year_b: str | None, today: date
) -> DateRange:
    """Whole months from ``first`` to ``last`` ('September and October', 'nov 2025 to feb')."""
    a, b = _month(first), _month(last)
    if year_b:
        end_year = int(year_b)
    elif year_a:
        end_year = int(year_a) + (b < a)
    else:
        end_year = _latest_past_month(b, today, None)
    start_year = int(year_a) if year_a else end_year - (a > b)
    start, end = date(start_year, a, 1), date(end_year, b, 1)
    start, end = min(start, end), max(start, end)
    return DateRange(start, _next_month(end))


def _quarter(which: str, year: str | None, today: date) -> DateRange:
    """A calendar quarter: 'Q3' or 'the third quarter' (of ``year``, else the latest begun),
    'this quarter' (the one under way), 'last quarter' (the one before it)."""
    current = (today.month - 1) // 3 + 1
    if which in ("this", "current"):
        number, start_year = current, today.year
    elif which in ("last", "previous"):
        number, start_year = (current - 1, today.year) if current > 1 else (4, today.year - 1)
    else:
        number = _QUARTERS[which]
        start_year = int(year) if year else today.year - (number > current)
    start = date(start_year, 3 * number - 2, 1)
    end = _months_forward(start, 3)
    return DateRange(start, end if end <= today else None)  # one under way: up to today


def _day_of_month(day: int, today: date) -> date | None:
    """'The 14th' alone: of this month if it has come, else of the month before."""
    month_start = today.replace(day=1)
    if day > today.day:
        month_start = (month_start - timedelta(days=1)).replace(day=1)
    return _make(month_start.year, month_start.month, day)


def _asked(text: str) -> str | None:
    """The sentence a message of several asks its question in ("legs were dead today. what did
    I run over the last 5 days?"), so that its dates win over a day mentioned in passing."""
    sentences = [part for part in re.split(r"(?<=[.!?;])\s+", text.strip()) if part]
    if len(sentences) < 2:
        return None
    question = r"\?|^(?:what|how|which|when|show|list|did|have|can|could|give|pull)\b"
    asking = [part for part in sentences if re.search(question, part)]
    return asking[-1] if len(asking) == 1 else None


def _day_span(first: int, last: int, which: str | None, today: date) -> DateRange | None:
    """'Between the 2nd and the 9th (of this month)', 'from the 3rd to the 10th', '2nd-9th':
    days of the month named (this or last), else of the latest month the last day has come in.
    A span that starts after it ends ('the 28th to the 3rd') starts the month before."""
    month_start = today.replace(day=1)
    if which in ("last", "previous") or (which is None and last > today.day):
        month_start = (month_start - timedelta(days=1)).replace(day=1)
    end = _make(month_start.year, month_start.month, last)
    start_month = month_start
    if first > last:
        start_month = (month_start - timedelta(days=1)).replace(day=1)
    start = _make(start_month.year, start_month.month, first)
    if not (start and end):
        return None
    return DateRange(start, end + timedelta(days=1))


#: The days a part of a month starts and ends on ("late": from the 21st to the month's end).
_PART_DAYS = {"early": (1, 10), "mid": (11, 20), "late": (21, 31)}
_PART = re.compile(rf"\b(early|mid|late)[- ](?:in )?({_MONTH})\b")
_ENDING = re.compile(r"\b(until|till|to|through|thru|by|before|and)\s*$")


def _month_parts(t: str) -> str:
    """Parts of months as days where they bound a span: "from late august to mid october"
    reads "from 21 august to 20 october", "since early may" "since 1 may"; a part alone ("in
    mid october") means its month."""
    found = list(_PART.finditer(t))
    bounds = r"\b(since|from|after|until|till|to|by|between)\s*$"
    if len(found) == 1 and not re.search(bounds, t[: found[0].start()]):
        return _PART.sub(r"\2", t)
    out, at = [], 0
    for number, m in enumerate(found):
        first, last = _PART_DAYS[m[1]]
        month = MONTHS[m[2]]
        month_end = 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31
        ends = number > 0 or bool(_ENDING.search(t[: m.start()]))
        out += [t[at : m.start()], f"{min(last, month_end) if ends else first} {m[2]}"]
        at = m.end()
    return "".join(out) + t[at:]


def parse_dates(text: str, today: date) -> DateRange | None:
    """The date range ``text`` talks about, or None if it names none. In a message of several
    sentences, the dates of the one sentence that asks come first."""
    if (asked := _asked(text)) and (dates := _parse(asked, today)):
        return dates
    return _parse(text, today)


def _parse(text: str, today: date) -> DateRange | None:
    t = " " + re.sub(r"\s+", " ", text.lower().replace("’", "'")) + " "
    t = _month_parts(t)  # "from late august to mid october" -> "from 21 august to 20 october"
    # a weekday beside the day it names: "on sunday 5 october", "on 5 oct (a sunday)"
    t = re.sub(rf"\b{_WEEKDAY},? (?=(?:the )?\d{{1,2}}{_ORDINAL}(?: of)? {_MONTH})", "", t)
    t = re.sub(rf"(?<=\d )\(?(?:a )?{_WEEKDAY}\)?", "", t) if re.search(_DAY, t) else t
    # "the week of 9 Nov", "the week with 2026-10-28 in it": Monday to Sunday
    week_of = rf"\bweek (?:of|with|starting|beginning|containing|including) (?:the )?({_DAY})"
    if (m := re.search(week_of, t)) and (day := _day_month(m[1], today)):
        monday = day - timedelta(days=day.weekday())
        return DateRange(monday, monday + timedelta(days=7))
    day_range = rf"(?:between |from )?(?:the )?(\d{{1,2}}){_ORDINAL} ?{_JOIN} ?(?:the )?(\d{{1,2}})"
    if m := re.search(rf"\b{day_range}{_ORDINAL}(?: of)? {_MONTH}(?:,? (\d{{4}}))?\b", t):
        year = f" {m[4]}" if m[4] else ""
        if span := _span(f"{m[1]} {m[3]}{year}", f"{m[2]} {m[3]}{year}", today):
            return span
    if m := re.search(rf"\b{_MONTH} {day_range}(?!\d){_ORDINAL}(?:,? (\d{{4}}))?\b", t):
        year = f" {m[4]}" if m[4] else ""
        if span := _span(f"{m[2]} {m[1]}{year}", f"{m[3]} {m[1]}{year}", today):
            return span
    years = (
        r"\b(?:between|from) (?:the years? )?((?:19|20)\d{2}) (?:to|and|until|till|through|-) "
        r"((?:19|20)\d{2})\b"
    )
    if (m := re.search(years, t)) and int(m[1]) < int(m[2]):  # "from 2019 to 2024"
        return DateRange(date(int(m[1]), 1, 1), date(int(m[2]) + 1, 1, 1))
    between = rf"(?:between|from) (?P<a>{_DAY}) {_JOIN} (?P<b>{_DAY})"
    if (m := re.search(between, t)) and (span := _span(m["a"], m["b"], today)):
        return span
    through = rf"\b(?P<a>{_DAY}) {_THROUGH} (?P<b>{_DAY})"
    if (m := re.search(through, t)) and (span := _span(m["a"], m["b"], today)):
        return span
    # days of a month left unnamed, both ordinals: "between the 2nd and the 9th", "3rd-10th"
    day = r"(?:the )?(\d{1,2})(?:st|nd|rd|th)"
    days = rf"\b(between |from )?{day} ?({_JOIN}) ?{day}\b(?: of (this|last|previous) month\b)?"
    m = re.search(rf"{days}(?! (?:of )?{_MONTH})", t)
    between_and = m and (m[1] == "between ") == (m[3] == "and")  # "and" only after "between"
    if between_and and (span := _day_span(int(m[2]), int(m[4]), m[5], today)):
        return span
    months = rf"\b(?:in|during|for|of|between|from|over) {_MONTH}(?: {_YEAR})? {_JOIN} {_MONTH}"
    if m := re.search(rf"{months}(?: {_YEAR})?\b(?! ?\d)", t):
        return _month_span(m[1], m[3], m[2], m[4], today)
    if (m := re.search(rf"\b(?:since|after|from) ({_DAY})", t)) and (
        start := _day_month(m[1], today)
    ):
        return DateRange(start, None)
    if (m := re.search(rf"\b(?:on|for) ({_DAY})", t)) and (single := _day_month(m[1], today)):
        return DateRange(single, single + timedelta(days=1))
    bare_day = rf"\b(on|for|since|after|from) the (\d{{1,2}})(?:st|nd|rd|th)\b(?! (?:of )?{_MONTH})"
    if (m := re.search(bare_day, t)) and (single := _day_of_month(int(m[2]), today)):
        open_ended = m[1] in ("since", "after", "from")
        return DateRange(single, None if open_ended else single + timedelta(days=1))
    quarter = r"\b(?:(q[1-4])|(?:the )?(first|second|third|fourth|1st|2nd|3rd|4th|this|current|last"
    quarter += rf"|previous) quarter(?! mile| of (?:a|the|my) ))(?:,? (?:of )?{_YEAR})?\b"
    if m := re.search(quarter, t):
        return _quarter(m[1] or m[2], m[3], today)
    # a stretch of days named outright beats a "today" in passing ("sore today. my last 5 days?")
    if m := re.search(rf"\b(?:last|past|previous) {_COUNT} (day|week|month|year)s?\b", t):
        return _window(today, int(m[1]) if m[1].isdigit() else _NUMBER_WORDS[m[1]], m[2])
    if m := re.search(r"\b(?:last|past|previous) (fortnight)\b|\bpast (week|month|year)\b", t):
        return _window(today, 1, m[1] or m[2])
    if re.search(r"\btoday\b", t):
        return DateRange(today, today + timedelta(days=1))
    if re.search(r"\byesterday\b", t):
        return DateRange(today - timedelta(days=1), today)
    if m := re.search(r"\b(?:the )?(week|month|weekend) before last\b", t):
        return _before_last(m[1], today)
    # "fall" only after a qualifier: "did i fall" is no season
    season = r"(spring|summer|autumn|winter|(?:(?<=this )|(?<=last )|(?<=the )|(?<=in ))fall)"
    if m := re.search(rf"\b(?:(this|last|previous|past) )?{season}\b(?: (?:of )?(\d{{4}}))?", t):
        return _season(m[2], m[1], int(m[3]) if m[3] else None, today)
    if m := re.search(rf"\b(since |after |from |on |last |this past )?{_WEEKDAY}\b", t):
        back = (today.weekday() - _WEEKDAYS.index(m[2])) % 7 or (7 if m[1] else 0)
        day = today - timedelta(days=back)  # the latest one before today ("on", "last")
        open_ended = m[1] in ("since ", "after ", "from ")
        return DateRange(day, None if open_ended else day + timedelta(days=1))
    if m := re.search(r"\b(this|last|previous) weekend\b", t):
        saturday = today - timedelta(days=(today.weekday() - 5) % 7)
        if m[1] != "this" and today.weekday() >= 5:
            saturday -= timedelta(days=7)
        return DateRange(saturday, saturday + timedelta(days=2))
    if re.search(r"\bweekend\b", t) and not re.search(r"\b(next|every|each|a|per) weekend", t):
        # "the weekend", "weekend runs": the latest one (this one on a Saturday or Sunday)
        saturday = today - timedelta(days=(today.weekday() - 5) % 7)
        return DateRange(saturday, saturday + timedelta(days=2))
    if m := re.search(r"\b(?:start|beginning) of (?:the |this )?(year|month)\b", t):
        return DateRange(today.replace(month=1, day=1) if m[1] == "year" else today.replace(day=1))
    if m := re.search(rf"\b{_COUNT} (day|week|month|year)s? ago\b", t):
        count = int(m[1]) if m[1].isdigit() else _NUMBER_WORDS[m[1]]
        start = today - timedelta(days=count * _UNIT_DAYS[m[2]])
        span = timedelta(days=_UNIT_DAYS[m[2]])
        return DateRange(start, start + span)
    if re.search(r"\bthis week\b", t):
        return DateRange(today - timedelta(days=today.weekday()), None)
    if re.search(r"\b(?:last|previous) week\b", t):
        monday = today - timedelta(days=today.weekday())
        return DateRange(monday - timedelta(days=7), monday)
    if re.search(r"\bthis month\b", t):
        return DateRange(today.replace(day=1), None)
    if re.search(r"\b(?:last|previous) month\b", t):
        first = today.replace(day=1)
        return DateRange((first - timedelta(days=1)).replace(day=1), first)
    if re.search(r"\bthis year\b|\byear to date\b|\bytd\b|\bso far this year\b", t):
        return DateRange(date(today.year, 1, 1), None)
    if re.search(r"\blast year\b", t):
        return DateRange(date(today.year - 1, 1, 1), date(today.year, 1, 1))
    # "since March", "from March 2025 onwards": open-ended; "from March" alone is the month
    since_month = rf"\b(?:since|after) {_MONTH}(?: {_YEAR})?\b"
    if m := re.search(rf"{since_month}|\bfrom {_MONTH}(?: {_YEAR})? onwards?\b", t):
        month = MONTHS[(m[1] or m[3])[:3]]
        year = _latest_past_month(month, today, int(m[2] or m[4]) if m[2] or m[4] else None)
        return DateRange(_month_start(year, month), None)
    if m := re.search(r"\b(?:since|after) (\d{4})\b", t):
        return DateRange(date(int(m[1]), 1, 1), None)
    in_month = rf"\b(?:in|during|for|of|from) {_MONTH}(?: {_YEAR})?\b"
    if m := re.search(rf"{in_month}|\b{_MONTH},? {_YEAR}\b", t):  # a whole month
        month = MONTHS[(m[1] or m[3])[:3]]
        named_year = m[2] or m[4]
        start = _month_start(
            _latest_past_month(month, today, int(named_year) if named_year else None), month
        )
        return DateRange(start, _next_month(start))
    years = r"\b(?:in|during|for|of|about|and|from|over|across|through|throughout|thru)"
    if m := re.search(years + r" ((?:19|20)\d{2})\b", t):
        return DateRange(date(int(m[1]), 1, 1), date(int(m[1]) + 1, 1, 1))
    # a year naming an event: "the 2018 nyc marathon", "my 2019 half"
    if m := re.search(r"\b(?:the|my|his|her) ((?:19|20)\d{2}) (?!km|m\b|kcal|steps|cal)[a-z]", t):
        return DateRange(date(int(m[1]), 1, 1), date(int(m[1]) + 1, 1, 1))
    return None


def _before_last(unit: str, today: date) -> DateRange:
    """'The week (month, weekend) before last': the one before last week (month, weekend)."""
    if unit == "month":
        first = today.replace(day=1)
        start = _months_back(first, 2)
        return DateRange(start, _next_month(start))
    monday = today - timedelta(days=today.weekday())
    if unit == "week":
        return DateRange(monday - timedelta(days=14), monday - timedelta(days=7))
    saturday = today - timedelta(days=(today.weekday() - 5) % 7)
    if today.weekday() >= 5:
        saturday -= timedelta(days=7)
    return DateRange(saturday - timedelta(days=7), saturday - timedelta(days=5))
