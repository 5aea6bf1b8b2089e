"""One small vocabulary of sports: ``run``, ``ride``, ``swim``, ``walk``, ``hike``, ``other``.

Every source names sports its own way (FIT ``running``/``trail``, Strava ``TrailRun``, TCX
``Running``, Strava GPX ``<type>9</type>``); they all pass through :func:`normalise_sport`.
"""

from __future__ import annotations

import re

SPORTS = ("run", "ride", "swim", "walk", "hike", "ski", "other")

# Sports done on foot: their cadence is counted in steps per minute.
FOOT_SPORTS = frozenset({"run", "walk", "hike"})

_ALIASES = {
    "run": (
        "run",
        "running",
        "trailrun",
        "trail_running",
        "trail",
        "treadmill",
        "treadmill_running",
        "virtualrun",
        "virtual_running",
        "track_running",
        "street_running",
        "indoor_running",
        "ultra_run",
        "ultrarun",
    ),
    "ride": (
        "ride",
        "cycling",
        "biking",
        "bike",
        "virtualride",
        "ebikeride",
        "e_bike_ride",
        "emountainbikeride",
        "mountainbikeride",
        "gravelride",
        "road_biking",
        "mountain_biking",
        "indoor_cycling",
        "e_biking",
        "velomobile",
        "handcycle",
        "biking_generic",
    ),
    "swim": ("swim", "swimming", "open_water", "lap_swimming", "openwaterswim"),
    "walk": ("walk", "walking", "casual_walking", "speed_walking"),
    "hike": ("hike", "hiking", "mountaineering"),
    "ski": (
        "ski",
        "skiing",
        "alpineski",
        "backcountryski",
        "nordicski",
        "rollerski",
        "alpine_skiing",
        "resort_skiing",
        "backcountry_skiing",
        "cross_country_skiing",
        "skate_skiing",
    ),
}
_LOOKUP = {alias: sport for sport, aliases in _ALIASES.items() for alias in aliases}

# Strava's GPX export writes the activity type as a number in <trk><type>.
_STRAVA_GPX_TYPES = {"1": "ride", "4": "hike", "9": "run", "10": "walk", "16": "swim"}


def normalise_sport(name: str | None) -> str:
    """The Coach G sport for a source's sport name (``"other"`` when unknown or empty)."""
    if not name:
        return "other"
    text = str(name).strip()
    if text in _STRAVA_GPX_TYPES:
        return _STRAVA_GPX_TYPES[text]
    key = re.sub(r"[\s\-]+", "_", text).lower()
    if key in _LOOKUP:
        return _LOOKUP[key]
    squashed = key.replace("_", "")
    if squashed in _LOOKUP:
        return _LOOKUP[squashed]
    for word in ("run", "ride", "cycl", "bik", "swim", "walk", "hik"):
        if word in squashed:
            return {"cycl": "ride", "bik": "ride", "hik": "hike"}.get(word, word)
    return "other"


def is_foot_sport(sport: str) -> bool:
    """Whether cadence for ``sport`` is counted in steps (run, walk, hike)."""
    return sport in FOOT_SPORTS
