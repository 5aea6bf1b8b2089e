"""Strava's rate limits, read from every API response, so a sync stops *before* exceeding them.

Strava announces the application's (15-minute, daily) limits and usage in ``X-RateLimit-*``
(all requests) and ``X-ReadRateLimit-*`` (reads) headers; a new application gets 100 reads per
15 minutes and 1000 a day. :class:`RateBudget` is passed to stravalib as its rate limiter (it
is called with each response's headers) and answers, before the next request, whether one more
fits; the 15-minute window resets at each quarter hour and the daily one at midnight UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from stravalib.protocol import RequestMethod
from stravalib.util.limiter import (
    RequestRate,
    get_rates_from_response_headers,
    get_seconds_until_next_day,
    get_seconds_until_next_quarter,
)


@dataclass(frozen=True)
class LimitReached:
    """Which limit is used up and when it resets."""

    which: str  # "15-minute" | "daily"
    resets_at: datetime

    def describe(self) -> str:
        local = self.resets_at.astimezone()
        return f"Strava's {self.which} request limit is used up until {local:%H:%M} ({local:%Z})"


class RateBudget:
    """The latest usage Strava reported; call :meth:`exhausted` before each request.

    ``reserve`` requests of each window are left unused (for other tools sharing the same
    Strava application).
    """

    def __init__(self, reserve: int = 0) -> None:
        self.reserve = max(int(reserve), 0)
        self.read: RequestRate | None = None
        self.overall: RequestRate | None = None

    def __call__(self, headers: dict[str, str], method: RequestMethod) -> None:
        lowered = {str(k).casefold(): v for k, v in headers.items()}
        if method == "GET" and "x-readratelimit-usage" in lowered:
            self.read = get_rates_from_response_headers(dict(headers), "GET")
        if "x-ratelimit-usage" in lowered:
            overall_only = {k: v for k, v in lowered.items() if not k.startswith("x-readrate")}
            self.overall = get_rates_from_response_headers(overall_only, "POST")

    def exhausted(self, now: datetime | None = None) -> LimitReached | None:
        """The limit the next request would exceed, or None if it fits."""
        now = now or datetime.now(UTC)
        for rates in (self.read, self.overall):
            if rates is None:
                continue
            if rates.long_limit - rates.long_usage <= self.reserve:
                return LimitReached("daily", _after(get_seconds_until_next_day(), now))
            if rates.short_limit - rates.short_usage <= self.reserve:
                return LimitReached("15-minute", _after(get_seconds_until_next_quarter(), now))
        return None

    def after_429(self, now: datetime | None = None) -> LimitReached:
        """The limit a 429 answer hit (the 15-minute one unless the daily one is used up)."""
        now = now or datetime.now(UTC)
        for rates in (self.read, self.overall):
            if rates is not None and rates.long_usage >= rates.long_limit:
                return LimitReached("daily", _after(get_seconds_until_next_day(), now))
        return LimitReached("15-minute", _after(get_seconds_until_next_quarter(), now))


def _after(seconds: int, now: datetime) -> datetime:
    return (now + timedelta(seconds=seconds + 1)).replace(microsecond=0)
