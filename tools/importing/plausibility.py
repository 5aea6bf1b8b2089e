"""What a human body (and a human-powered sport) can do: the limits an imported activity must
stay within.

Every file, Strava export row and Strava API record passes through here before it is stored.
The limits are generous on purpose: they catch impossible data (a heart rate of 900, a run at
10,000 km/h, a 42,000 km ride, a run dated 1970), never an unusual athlete. Each limit says
where it comes from.

- An impossible **sample** (one heart-rate reading, one GPS fix) is dropped and counted; the
  activity keeps the rest.
- An impossible **activity** (its distance, duration, average speed, date, or most of one
  channel's samples) is refused: it is not stored, so it never reaches totals or load. The
  reason says what is wrong in words a runner reads, and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import numpy as np

from storage.activities import NewActivity
from tools.importing.sports import is_foot_sport
from tools.importing.summary import cumulative_distance, haversine_m, summarise


@dataclass(frozen=True)
class Limit:
    """The range a value must lie in: ``says`` is the line a runner reads when a value is
    outside it, ``why`` the record or physiology it rests on."""

    low: float
    high: float
    unit: str
    says: str
    why: str

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high


# -- samples (and the averages and maxima stated for a whole activity) ----------------------

HEART_RATE = Limit(
    25.0,
    250.0,
    "bpm",
    says="a heart beats 25 to 250 times a minute; anything else is a sensor fault",
    why="the lowest resting heart rates recorded in athletes are about 27 bpm (Martin Brady, "
    "Guinness 2005; Miguel Induráin 28 bpm); the highest measured in exercise about 220-230 bpm "
    "(young athletes at maximal effort)",
)
CADENCE = Limit(
    0.0,
    350.0,
    "/min",
    says="no one steps or pedals faster than about 300 a minute",
    why="the fastest sprinters take about 5 steps a second (300 steps/min); track sprint cyclists "
    "spin at most about 250-270 rpm; 0 is standing still",
)
POWER = Limit(
    0.0,
    3000.0,
    "W",
    says="the strongest sprint cyclists peak near 2,700 W",
    why="the highest peak powers measured are about 2,500-2,700 W (elite track sprinters, for a "
    "second or two); running power meters read up to about 1,000 W in a sprint",
)
LATITUDE = Limit(-90.0, 90.0, "°", "latitudes run from -90° to 90°", "the Earth's poles")
LONGITUDE = Limit(-180.0, 180.0, "°", "longitudes run from -180° to 180°", "the date line")

# Top speed of each sport, for samples and for the average of a whole activity.
FOOT_SPEED = Limit(
    0.0,
    15.0,
    "m/s",
    says="the fastest anyone has ever run is 44.7 km/h, Usain Bolt's sprint",
    why="Bolt's top speed, 12.4 m/s (Berlin 2009), is the fastest human sprint; 15 m/s (54 km/h) "
    "leaves room for a steep descent. Walks and hikes share it (a walk may be a run)",
)
RIDE_SPEED = Limit(
    0.0,
    83.4,
    "m/s",
    says="the fastest bicycle ride ever is 296 km/h, behind a dragster",
    why="Denise Mueller-Korenek rode 296 km/h motor-paced (2018); the downhill mountain-bike "
    "record is 227 km/h (Eric Barone, 2015). 300 km/h = 83.4 m/s",
)
SWIM_SPEED = Limit(
    0.0,
    8.0,
    "m/s",
    says="the fastest swimmers reach 9 km/h, and no current adds more than about 20 km/h",
    why="the 50 m freestyle record, 20.91 s, is 2.4 m/s; the strongest tidal races run about 5 m/s",
)
OTHER_SPEED = Limit(
    0.0,
    83.4,
    "m/s",
    says="no one moves faster than about 300 km/h without an engine",
    why="other sports include skiing and skating: the speed-skiing record is 255 km/h (Ivan "
    "Origone, 2016), the motor-paced cycling record 296 km/h",
)
# A GPS fix can be off by tens of metres, so a jump is judged over at least this many seconds:
# real watches' single-second glitches (a 30 m jump in 1 s on a Fenix 2) are noise, not speed.
GPS_NOISE_S = 5.0

# -- a whole activity -----------------------------------------------------------------------

FOOT_DISTANCE = Limit(
    0.0,
    1_500_000.0,
    "m",
    says="the longest run ever done in one go is 1,037 km, in six days (Yiannis Kouros)",
    why="Kouros's 6-day record, 1,036.8 km (1984), is the longest run recorded as one effort; "
    "the 24-hour record is 319.6 km (Aleksandr Sorokin, 2022)",
)
RIDE_DISTANCE = Limit(
    0.0,
    5_000_000.0,
    "m",
    says="the longest non-stop race, the Race Across America, is about 4,800 km "
    "(the Earth is 40,075 km round)",
    why="the Race Across America is about 4,800 km; the 24-hour record is about 1,000 km "
    "(Christoph Strasser, 2021)",
)
SWIM_DISTANCE = Limit(
    0.0,
    500_000.0,
    "m",
    says="the longest non-stop swims are about 225 km",
    why="Veljko Rogošić swam 225 km across the Adriatic Sea non-stop (2006)",
)
OTHER_DISTANCE = RIDE_DISTANCE
DURATION = Limit(
    0.0,
    14 * 86_400.0,
    "s",
    says="the longest non-stop races end within 14 days",
    why="the Race Across America takes its finishers up to 12 days; 6-day races last 6",
)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
EARLIEST_WHY = (
    "sports watches that record an activity came in the late 1980s (Polar's first wireless heart "
    "rate monitor 1982; GPS watches from 2000), so a date before 1990 is a clock never set: "
    "1970-01-01 is a computer's zero date"
)
FUTURE_MARGIN = timedelta(days=1)  # a day for time zones and a watch clock slightly ahead

# A channel whose samples are mostly impossible is not a damaged reading but a damaged file.
MOST = 0.5

_SAMPLE_LIMITS = {
    "heart_rate": HEART_RATE,
    "cadence": CADENCE,
    "power": POWER,
    "lat": LATITUDE,
    "lng": LONGITUDE,
}
_CHANNEL_WORDS = {  # one of each; "s" is added for more
    "heart_rate": "heart-rate reading",
    "cadence": "cadence reading",
    "power": "power reading",
    "speed": "speed reading",
    "lat": "GPS position",
    "lng": "GPS position",
    "position": "GPS position",
    "avg_hr": "stated average heart rate",
    "max_hr": "stated maximum heart rate",
    "avg_cadence_spm": "stated average cadence",
    "avg_power_w": "stated average power",
    "laps": "lap value",
}
_CHANNEL_OF = {
    "avg_hr": "heart_rate",
    "max_hr": "heart_rate",
    "avg_cadence_spm": "cadence",
    "avg_power_w": "power",
}
_SUMMARY_LIMITS = {
    "avg_hr": (HEART_RATE, "average heart rate"),
    "max_hr": (HEART_RATE, "maximum heart rate"),
    "avg_cadence_spm": (CADENCE, "average cadence"),
    "avg_power_w": (POWER, "average power"),
}


def speed_limit(sport: str) -> Limit:
    """The top speed of ``sport`` (run, walk and hike share the sprint record)."""
    if is_foot_sport(sport):
        return FOOT_SPEED
    return {"ride": RIDE_SPEED, "swim": SWIM_SPEED}.get(sport, OTHER_SPEED)


def distance_limit(sport: str) -> Limit:
    """The longest single activity of ``sport``."""
    if is_foot_sport(sport):
        return FOOT_DISTANCE
    return {"ride": RIDE_DISTANCE, "swim": SWIM_DISTANCE}.get(sport, OTHER_DISTANCE)


class ImpossibleActivity(ValueError):
    """An activity no person could have done; the message says why and what to do."""


@dataclass
class Samples:
    """Streams with their impossible samples dropped (set to NaN)."""

    streams: dict[str, np.ndarray]
    #: How many samples of each kind were dropped (positions count once per fix).
    dropped: dict[str, int] = field(default_factory=dict)
    #: The channels whose samples are mostly impossible (``position`` for GPS), and why.
    broken: dict[str, str] = field(default_factory=dict)


@dataclass
class Checked:
    """An activity after the checks: ``activity`` to store (samples cleaned), or None and
    ``reason`` when it is refused; ``dropped`` counts the samples left out."""

    activity: NewActivity | None
    reason: str = ""
    dropped: dict[str, int] = field(default_factory=dict)

    def note(self) -> str:
        """What was dropped, in words ('' when nothing was)."""
        parts = [
            f"{n} {_CHANNEL_WORDS.get(k, k)}{'' if n == 1 else 's'}"
            for k, n in self.dropped.items()
            if n
        ]
        if not parts:
            return ""
        return (
            f"{', '.join(parts)} no body or GPS could give left out (sensor glitches); the "
            "rest of the activity was kept"
        )


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.3g}"


def _position_spikes(streams: dict[str, np.ndarray], limit: Limit) -> tuple[np.ndarray, float]:
    """GPS fixes that jump away from both neighbours faster than ``limit`` allows (judged over
    at least :data:`GPS_NOISE_S` seconds), as a mask over the samples; and the typical speed of
    the jumps (m/s)."""
    lat, lng, time = streams.get("lat"), streams.get("lng"), streams.get("time")
    spikes = np.zeros(0 if lat is None else lat.size, dtype=bool)
    if lat is None or lng is None or time is None or not (lat.size == lng.size == time.size):
        return spikes, 0.0
    fixed = np.flatnonzero(np.isfinite(lat) & np.isfinite(lng) & np.isfinite(time))
    if fixed.size < 2:
        return spikes, 0.0
    steps = haversine_m(lat[fixed], lng[fixed])
    seconds = np.maximum(np.diff(time[fixed]), GPS_NOISE_S)
    fast = steps > limit.high * seconds
    if not fast.any():
        return spikes, 0.0
    real_seconds = np.diff(time[fixed])
    moving = fast & (real_seconds > 0)
    speed = float(np.median(steps[moving] / real_seconds[moving])) if moving.any() else np.inf
    # A fix is impossible when the step into it and the step out of it are both too fast;
    # the first and last fixes have one step only.
    into = np.concatenate([[True], fast])
    out = np.concatenate([fast, [True]])
    spikes[fixed[into & out]] = True
    return spikes, speed


def _distance_over_fixes(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    """Distance from the start at each sample, bridging the samples without a fix (a dropped
    fix's neighbours are joined directly)."""
    fixed = np.flatnonzero(np.isfinite(lat) & np.isfinite(lng))
    out = np.zeros(lat.size)
    if fixed.size:
        out[fixed] = cumulative_distance(lat[fixed], lng[fixed])
        last = np.zeros(lat.size, dtype=int)
        last[fixed] = fixed
        out = out[np.maximum.accumulate(last)]
    return out


def clean_samples(streams: dict[str, np.ndarray], sport: str) -> Samples:
    """``streams`` with impossible samples set to NaN (the arrays are copied, never changed)."""
    clean = dict(streams)
    dropped: dict[str, int] = {}
    broken: dict[str, str] = {}
    limits = {**_SAMPLE_LIMITS, "speed": speed_limit(sport)}
    for channel, limit in limits.items():
        values = clean.get(channel)
        if values is None:
            continue
        finite = np.isfinite(values)
        with np.errstate(invalid="ignore"):
            bad = finite & ((values < limit.low) | (values > limit.high))
        if not bad.any():
            continue
        words = _CHANNEL_WORDS[channel] + "s"
        dropped[channel] = int(bad.sum())
        if bad.sum() > MOST * finite.sum():
            worst = values[bad][np.argmax(np.abs(values[bad] - limit.high))]
            key = "position" if channel in ("lat", "lng") else channel
            broken[key] = (
                f"most of its {words} are impossible ({_number(float(worst))} {limit.unit}: "
                f"{limit.says})"
            )
        clean[channel] = np.where(bad, np.nan, values)
    spikes, jump_speed = _position_spikes(clean, speed_limit(sport))
    if spikes.any():
        dropped["position"] = int(spikes.sum())
        fixes = int((np.isfinite(clean["lat"]) & np.isfinite(clean["lng"])).sum())
        if spikes.sum() > MOST * fixes:
            limit = speed_limit(sport)
            broken["position"] = (
                f"most of its GPS positions jump at about {jump_speed * 3.6:,.0f} km/h "
                f"({limit.says})"
            )
        clean["lat"] = np.where(spikes, np.nan, clean["lat"])
        clean["lng"] = np.where(spikes, np.nan, clean["lng"])
    # Positions count once per fix, whichever coordinate was out of range.
    if "lat" in dropped or "lng" in dropped:
        dropped["position"] = dropped.get("position", 0) + max(
            dropped.pop("lat", 0), dropped.pop("lng", 0)
        )
    distance = clean.get("distance")
    if dropped.get("position") and distance is not None and "lat" in streams and "lng" in streams:
        measured = cumulative_distance(streams["lat"], streams["lng"])
        if distance.shape == measured.shape and np.allclose(distance, measured, equal_nan=True):
            # The distance was measured from the positions (GPX): measure it again without
            # the impossible fixes.
            clean["distance"] = _distance_over_fixes(clean["lat"], clean["lng"])
    # A channel that held values before and holds none now is left out.
    emptied = {k for k, v in clean.items() if v is not streams[k] and not np.isfinite(v).any()}
    channels = {k: v for k, v in clean.items() if k not in emptied}
    return Samples(channels, dropped, broken)


def _resummarise(
    new: NewActivity, raw: dict[str, np.ndarray], clean: dict[str, np.ndarray]
) -> None:
    """Summary fields that were computed from the raw samples, computed again from the clean
    ones (fields a file stated itself are left as they are)."""
    before, after = summarise(raw), summarise(clean)
    for name, value in vars(before).items():
        if value is not None and getattr(new, name, None) == value:
            setattr(new, name, getattr(after, name))


def _when(moment: datetime) -> str:
    return moment.strftime("%d %b %Y").lstrip("0")


def date_problem(moment: datetime, now: datetime | None = None) -> str:
    """Why ``moment`` cannot be when an activity or workout happened ('' when it can). A time
    without a zone is taken as UTC."""
    start = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if start < EARLIEST:
        return (
            f"it is dated {_when(start)}, before {EARLIEST.year}: the device's clock was not "
            "set (1970 is a computer's zero date)"
        )
    if start > (now or datetime.now(UTC)) + FUTURE_MARGIN:
        return f"it is dated {_when(start)}, in the future: the device's clock was wrong"
    return ""


def activity_problems(new: NewActivity, now: datetime | None = None) -> list[str]:
    """Why ``new`` as a whole is impossible, in words (none: it is possible)."""
    problems: list[str] = []
    if when := date_problem(new.start_time, now):
        problems.append(when)
    length = distance_limit(new.sport)
    if new.distance_m is not None and not length.holds(new.distance_m):
        problems.append(f"it claims {new.distance_m / 1000:,.1f} km ({length.says})")
    for name in ("elapsed_time_s", "moving_time_s"):
        seconds = getattr(new, name)
        if seconds is not None and not DURATION.holds(seconds):
            problems.append(
                f"it claims to last {seconds / 86400:,.1f} days ({DURATION.says})"
                if seconds > 0
                else "it claims a negative duration"
            )
            break
    times = [t for t in (new.elapsed_time_s, new.moving_time_s) if t and t > 0]
    speed = speed_limit(new.sport)
    if new.distance_m and times and length.holds(new.distance_m):
        average = new.distance_m / max(times)
        if average > speed.high:
            problems.append(
                f"it averages {average * 3.6:,.0f} km/h over {new.distance_m / 1000:,.1f} km "
                f"({speed.says})"
            )
    for name, (limit, words) in _SUMMARY_LIMITS.items():
        value = getattr(new, name)
        if value is not None and not limit.holds(value):
            problems.append(f"its {words} is {_number(value)} {limit.unit} ({limit.says})")
    return problems


def _restate(new: NewActivity, clean: dict[str, np.ndarray], dropped: dict[str, int]) -> None:
    """An impossible average or maximum a file states (a watch's own max HR of 900 after a
    glitch) is measured again from the clean samples, counted as a dropped reading; without
    samples of that channel it stays, and refuses the activity."""
    measured = None
    for name, (limit, _) in _SUMMARY_LIMITS.items():
        value = getattr(new, name)
        if value is None or limit.holds(value) or _CHANNEL_OF[name] not in clean:
            continue
        measured = measured or summarise(clean)
        setattr(new, name, getattr(measured, name))
        dropped[name] = 1


def clean_laps(laps: list[dict], sport: str) -> tuple[list[dict], int]:
    """``laps`` with each impossible value (a lap's heart rate, cadence, power, speed, distance
    or time) set to None, and how many were."""
    limits = {
        "avg_hr": HEART_RATE,
        "max_hr": HEART_RATE,
        "avg_cadence_spm": CADENCE,
        "avg_power_w": POWER,
        "avg_speed_mps": speed_limit(sport),
        "distance_m": distance_limit(sport),
        "elapsed_time_s": DURATION,
        "moving_time_s": DURATION,
    }
    dropped = 0
    clean = []
    for lap in laps:
        bad = [
            k for k, limit in limits.items() if lap.get(k) is not None and not limit.holds(lap[k])
        ]
        dropped += len(bad)
        clean.append({**lap, **dict.fromkeys(bad)} if bad else lap)
    return clean, dropped


def check_activity(new: NewActivity, now: datetime | None = None) -> Checked:
    """``new`` with its impossible samples dropped, or refused with the reason."""
    samples = clean_samples(new.streams, new.sport) if new.streams else Samples({})
    cleaned = replace(new, streams=samples.streams) if new.streams else replace(new)
    if samples.dropped:
        _resummarise(cleaned, new.streams, samples.streams)
    _restate(cleaned, samples.streams, samples.dropped)
    cleaned.laps, lap_values = clean_laps(new.laps, new.sport)
    if lap_values:
        samples.dropped["laps"] = lap_values
    problems = activity_problems(cleaned, now) + list(samples.broken.values())
    if problems:
        todo = "if the file was edited or damaged, export the original again from the watch or app"
        if any("km/h" in problem for problem in problems):
            todo += "; if the watch kept recording in a car or train, crop that part out first"
        if any(problem.startswith("it is dated") for problem in problems):
            todo = "set the date on the watch (or phone) and export it again"
        reason = (
            "not imported, no one could have done this: "
            + "; ".join(problems)
            + f". Nothing of it was stored; {todo}"
        )
        return Checked(None, reason, samples.dropped)
    return Checked(cleaned, dropped=samples.dropped)


def plausible(new: NewActivity, now: datetime | None = None) -> NewActivity:
    """``new`` with impossible samples dropped; raises :class:`ImpossibleActivity`."""
    checked = check_activity(new, now)
    if checked.activity is None:
        raise ImpossibleActivity(checked.reason)
    return checked.activity


# -- strength sets (Strong and Hevy logs) ------------------------------------------------------

RPE = Limit(
    1.0,
    10.0,
    "",
    says="RPE is a 1-10 scale",
    why="RPE (rate of perceived exertion, the reps-in-reserve scale of strength training) runs "
    "from 1 to 10, 10 being all-out; the chat takes 1-10 too",
)
REPS = Limit(
    0.0,
    1000.0,
    "reps",
    says="1,000 reps in one set is a typo or a day's total",
    why="endurance sets of push-ups, sit-ups or skipping run to a few hundred; the chat, where "
    "a typo is asked about at once, stops at 150",
)
LIFT_WEIGHT = Limit(
    0.0,
    1000.0,
    "kg",
    says="the heaviest deadlift ever is 501 kg (Hafþór Björnsson); over 1,000 kg is usually "
    "pounds typed as kilograms",
    why="the heaviest lifts are a 501 kg deadlift (Björnsson, 2020) and equipped squats near "
    "600 kg; a loaded sled leg press goes further, so the line is 1,000 kg. The chat stops at "
    "500 kg, where a typo is asked about at once",
)
SET_SECONDS = Limit(
    0.0,
    86_400.0,
    "s",
    says="one set cannot last over a day",
    why="a timed set (a plank, a row on the erg) lasts minutes, a cardio piece logged in a "
    "lifting app a few hours",
)
SET_DISTANCE = Limit(
    0.0,
    1_000_000.0,
    "m",
    says="no one covers 1,000 km in one set",
    why="a carry, a row or a ride logged in a lifting app covers metres to a few hundred km",
)


def set_problems(
    reps: float | None, weight_kg: float | None, seconds: float | None, distance_m: float | None
) -> list[str]:
    """Why a logged set cannot be real, in words ([] when it can)."""
    problems = []
    checks = (
        (reps, REPS, "reps"),
        (weight_kg, LIFT_WEIGHT, "weight"),
        (seconds, SET_SECONDS, "time"),
        (distance_m, SET_DISTANCE, "distance"),
    )
    for value, limit, words in checks:
        if value is not None and not limit.holds(value):
            problems.append(f"{words} {_number(value)} {limit.unit} ({limit.says})")
    return problems
