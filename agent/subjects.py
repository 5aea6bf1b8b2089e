"""Whom a message is about: the one resolver of people in messages.

A message is matched against the acting user's own closed list of people (themselves and, for a
coach, their linked athletes, from :mod:`storage.access`): their names, "she"/"he"/"they" for
the last one talked about, and "all my athletes". A message that names anyone else ("Bob's
runs", "how is Marcus doing") is about someone the user may not see, and is refused without
saying whether that person exists.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field

from storage.models import User

#: Everyone a coach coaches.
ALL_ATHLETES = re.compile(
    r"\b(all|each|every one of|both|everyone of) (of )?my (athletes|runners|clients|squad|team)\b"
    r"|\b(my (athletes|runners|squad|team|group)|everyone i coach|all of them|both of them"
    r"|each of them|who (am i|do i) coach(ing)?)\b",
    re.I,
)
#: A question across a coach's athletes: "who ran the most?", "whose form is lowest?".
ACROSS = re.compile(
    r"^\s*(who|which (?:one|athlete|runner)s?) (?:of (?:them|my \w+) )?(?:has|hasn'?t|had|have"
    r"|haven'?t|ran|runs?|did|didn'?t|is|isn'?t|was|wasn'?t|trained|needs?|checked|missed"
    r"|logged|covered|went|got|did)\b|^\s*(whose|who'?s)\b|\b(any of them|none of them|anyone"
    r"|anybody|everyone|everybody|every athlete|each athlete|the (squad|team|group)'?s?)\b",
    re.I,
)
#: The words of a question across athletes, and what they mean to the router.
_COHORT = re.compile(r"\b(everyone|everybody|the squad|the team|the group)('s)?(?=\W|$)", re.I)
_PRONOUN = re.compile(r"\b(she|he|her|him|his|hers|they|them|their)\b", re.I)

#: Capitalised words before "'s" or after "for/about/..." that are not people.
NOT_PEOPLE = {
    "coach", "i", "strava", "garmin", "today", "yesterday", "tomorrow", "week", "month", "year",
    "my", "your", "the", "training", "everything", "running", "recovery", "here", "there", "it",
    "that", "this", "what", "who", "how", "where", "when", "why", "let", "he", "she", "nothing",
    "something", "mine", "everyone", "anyone", "someone", "today's", "last", "next", "weekend",
    "parkrun", "marathon", "christmas", "easter", "new", "tempo", "zone", "you", "we", "they",
    "u", "anybody", "nobody", "one", "all", "that's", "whatever", "anything", "somebody",
    "everybody", "other", "another", "each", "every", "which", "whichever", "strava's",
    "runner", "beginner", "lifter", "squad", "team", "group", "club", "morning", "evening",
    "afternoon", "night", "tonight", "season", "race", "day", "session", "workout", "her", "his",
    "energy", "sleep", "mood", "stress", "motivation", "work", "life", "appetite", "body",
    "weather", "pain", "soreness", "knee", "calf", "shin", "leg", "legs", "back",
    *(calendar.day_name[d].lower() for d in range(7)),
    *(calendar.month_name[m].lower() for m in range(1, 13)),
}  # fmt: skip

#: What an athlete's data is called, after a possessive ("bob's runs", "sam's last run").
_DATA_NOUNS = (
    r"(?:runs?|rides?|activit(?:y|ies)|data|videos?|training|workouts?|sessions?|cadence|"
    r"stats|history|km|mileage|pace|strava|log|results?|load|week|month|form|gait|check-?ins?"
    r"|wellness|sleep|answers?|strength|lifts?|prs?|pbs?|records?|best|max|1rm|e1rm|squat\w*"
    r"|deadlift\w*|bench\w*|press\w*|heaviest|longest|fastest|marathon|half|races?|times?"
    r"|splits?|heart|hr|plans?|numbers|mileage|weeks?)\b"
)


_DOING = (
    r"(?:run|ran|ride|rode|swim|swam|walk|walked|hike|hiked|train|trained|race|raced|jog|jogged"
    r"|cycle|cycled|lift|lifted)\b"
)


@dataclass
class Subject:
    """Whom a turn is about: ``ids`` (one person, or several for "all my athletes"), or
    ``denied`` when the message names someone the user may not see."""

    ids: list[int] = field(default_factory=list)
    all_athletes: bool = False
    named: bool = False  # the message itself named them (a change of subject)
    denied: bool = False
    #: A coach's "is she overtraining?" with no one said before: which athlete is asked.
    unclear: bool = False

    @property
    def one(self) -> int | None:
        return self.ids[0] if len(self.ids) == 1 and not self.all_athletes else None


def as_cohort(message: str) -> str:
    """A coach's question across athletes in the words the router knows: "everyone's runs" ->
    "my athletes' runs" (so it is not read as asking for other users' data)."""
    return _COHORT.sub(lambda m: "my athletes'" if m[2] else "my athletes", message)


def _names(user: User) -> set[str]:
    return {n.lower() for n in (user.name, user.display_name) if n}


#: The pronouns of one person, by group: a coach's "he" and "she" are two different athletes.
PRONOUN_GROUPS = {
    "he": re.compile(r"\b(he|him|his|he's|himself)\b", re.I),
    "she": re.compile(r"\b(she|her|hers|she's|herself)\b", re.I),
}


def pronoun_of(message: str) -> str | None:
    """ "he" or "she" when the message speaks of one person by one of those groups."""
    found = [group for group, pattern in PRONOUN_GROUPS.items() if pattern.search(message)]
    return found[0] if len(found) == 1 else None


@dataclass
class Talk:
    """Whom a coach's conversation has been about: what "he" and "she" have meant (athlete
    ids), and the athletes talked about, latest first."""

    pronouns: dict[str, int] = field(default_factory=dict)
    recent: list[int] = field(default_factory=list)

    def after(self, message: str, about: int | None, actor: User) -> Talk:
        """The talk after a message about ``about``."""
        if about is None or about == actor.id:
            return self
        pronouns = dict(self.pronouns)
        if group := pronoun_of(message):
            pronouns = {g: i for g, i in pronouns.items() if i != about} | {group: about}
        recent = [about, *(r for r in self.recent if r != about)][:5]
        return Talk(pronouns, recent)

    def by_pronoun(self, message: str, ids: set[int]) -> int | None:
        """The athlete a "he" or "she" in ``message`` means: the one it meant before, or the
        latest talked about that the other pronoun hasn't meant."""
        group = pronoun_of(message)
        if group is None:
            return None
        if self.pronouns.get(group) in ids:
            return self.pronouns[group]
        others = {i for g, i in self.pronouns.items() if g != group}
        return next((r for r in self.recent if r in ids and r not in others), None)


def resolve(
    actor: User,
    message: str,
    people: list[User],
    picked: int | None = None,
    last: int | None = None,
    talk: Talk | None = None,
) -> Subject:
    """Whom ``message`` is about, among ``people`` (the actor's linked athletes).

    ``picked`` is the athlete chosen in the UI, ``last`` whom the conversation was last about,
    ``talk`` whom its pronouns have meant.
    """
    lowered = message.lower().replace("’", "'")
    found = [
        p.id
        for p in people
        if any(re.search(rf"\b{re.escape(name)}(?:'?s)?\b", lowered) for name in _names(p))
    ]
    if found:
        return Subject(ids=found, named=True)
    if _someone_else(actor, message, lowered, people):
        return Subject(denied=True)
    if people and (ALL_ATHLETES.search(lowered) or ACROSS.search(lowered)):
        return Subject(ids=[p.id for p in people], all_athletes=True, named=True)
    if picked is not None:
        return Subject(ids=[picked])
    if people and talk and (meant := talk.by_pronoun(message, {p.id for p in people})):
        return Subject(ids=[meant])
    if people and last is not None and last != actor.id and _PRONOUN.search(lowered):
        return Subject(ids=[last])
    if last is not None and last != actor.id and any(p.id == last for p in people):
        return Subject(ids=[last])
    if people and actor.role == "coach" and any(p.search(lowered) for p in PRONOUN_GROUPS.values()):
        return Subject(unclear=True)  # "is she overtraining?" before anyone was named
    return Subject(ids=[actor.id])


#: A coach's turn to someone by name alone: "now bob", "and bob's?", "what about max".
_JUST_A_NAME = re.compile(
    r"^\W*(?:and|now|ok now|then|what about|how about|same for)\s+([a-z]+)(?:'s|’s)?\W*$", re.I
)


def names_a_stranger(actor: User, message: str, people: list[User]) -> bool:
    """Whether a coach's message that asks nothing else names someone who is not one of their
    athletes ("now bob" from a coach of Sam and Ann): said when nothing else could read it."""
    found = _JUST_A_NAME.match(message.replace("’", "'"))
    if actor.role != "coach" or not found:
        return False
    known = _names(actor).union(*(_names(p) for p in people)) | NOT_PEOPLE
    return found[1].lower() not in known


def third_person(message: str) -> bool:
    """Whether ``message`` speaks of someone else by a pronoun ("she's limping")."""
    return bool(_PRONOUN.search(message))


def _someone_else(actor: User, message: str, lowered: str, people: list[User]) -> bool:
    """Whether the message names a person who is neither the actor nor one of ``people``."""
    named = re.findall(r"\b([A-Z][a-z]+)(?:'s|’s)", message)
    named += re.findall(rf"\b([a-z]+)(?:'s|’s) (?:\w+ ){{0,2}}{_DATA_NOUNS}", lowered)
    named += re.findall(r"\bhow(?:'s| is) (\w+) (?:doing|getting on|going)\b", lowered)
    # "how does my cadence compare with ann's?", "am I faster than bob's"
    named += re.findall(r"\b(?:with|than|to|vs\.?|versus|against) ([a-z]+)(?:'s|’s)\b", lowered)
    # "what did sam run yesterday?", "has bob trained this week": someone doing a sport
    named += re.findall(rf"\b(?:did|has|have|does|is|was) ([a-z]+) {_DOING}", lowered)
    named += re.findall(r"\bwhat(?:'s| has| is) (\w+) (?:been )?(?:up to|doing)\b", lowered)
    if actor.role == "coach":  # a coach asks "has Sam run this week?", "Is Max overtraining?"
        named += re.findall(
            r"\b(?:[Ff]or|[Aa]bout|[Ii]s|[Hh]as|[Dd]id|[Dd]oes|[Ww]as) ([A-Z][a-z]+)\b", message
        )
    known = _names(actor).union(*(_names(p) for p in people)) | NOT_PEOPLE
    return any(name.lower() not in known for name in named)
