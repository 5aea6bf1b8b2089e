"""A stravalib client pointed at ``COACHG_STRAVA_BASE_URL`` (default https://www.strava.com).

stravalib 2.6 builds every URL as ``https://{ApiV3.server}`` + path (the OAuth endpoints
``/oauth/...`` and the API under ``ApiV3.api_base``). :class:`StravaProtocol` keeps that logic
and rewrites the ``https://{server}`` prefix to the configured base URL, so a loopback
``http://127.0.0.1:PORT`` (or a proxy under a path) gets the same requests Strava would.

Client id and secret come from Coach G's settings, not from stravalib's ``STRAVA_*`` environment
variables; token refresh is done by :mod:`tools.strava.tokens`, which stores the new tokens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from stravalib import Client
from stravalib.protocol import ApiV3, RequestMethod

from storage.settings import Settings

DEFAULT_BASE_URL = "https://www.strava.com"
REQUEST_TIMEOUT_S = 30.0

RateLimiter = Callable[[dict[str, str], RequestMethod], None]


class StravaConfigError(ValueError):
    """The Strava settings are missing or malformed; the message says which variable to set."""


class TimeoutSession(requests.Session):
    """A requests session whose every request has a timeout (stravalib sets none), and that
    counts the requests it sends."""

    def __init__(self, timeout_s: float = REQUEST_TIMEOUT_S) -> None:
        super().__init__()
        self.timeout_s = timeout_s
        self.sent: dict[str, int] = {"api": 0, "oauth": 0}

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout_s)
        path = urlsplit(url if isinstance(url, str) else url.decode()).path
        self.sent["api" if "/api/" in path else "oauth"] += 1
        return super().request(method, url, *args, **kwargs)


class StravaProtocol(ApiV3):
    """stravalib's :class:`ApiV3` with its server taken from ``base_url``."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        access_token: str | None = None,
        requests_session: requests.Session | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StravaConfigError(
                f"COACHG_STRAVA_BASE_URL must look like https://www.strava.com, not {base_url!r}."
            )
        self.base_url = base_url.rstrip("/")
        self.server = parts.netloc
        super().__init__(
            access_token=access_token,
            requests_session=requests_session,
            rate_limiter=rate_limiter,
        )

    def _check_credentials(self) -> None:
        """stravalib reads ``STRAVA_CLIENT_ID``/``_SECRET`` here and warns when they are absent;
        Coach G passes its own credentials explicitly, so there is nothing to check."""
        self.client_id = None
        self.client_secret = None

    def _rebase(self, url: str) -> str:
        stock = f"https://{self.server}"
        return self.base_url + url[len(stock) :] if url.startswith(stock) else url

    def resolve_url(self, url: str) -> str:
        return self._rebase(super().resolve_url(url))

    def authorization_url(self, *args: Any, **kwargs: Any) -> str:
        return self._rebase(super().authorization_url(*args, **kwargs))

    def oauth_url(self, path: str) -> str:
        """The absolute URL of an OAuth endpoint such as ``/oauth/deauthorize``."""
        return f"{self.base_url}/{path.lstrip('/')}"


class StravaClient(Client):
    """stravalib's :class:`Client` over a :class:`StravaProtocol`.

    ``Client.__init__`` only builds a stock protocol for www.strava.com (and warns about unset
    ``STRAVA_*`` variables); this takes ours instead, so the parent initialiser is not called.
    """

    def __init__(self, protocol: StravaProtocol) -> None:
        self.log = logging.getLogger(f"{self.__class__.__module__}.{self.__class__.__name__}")
        self.protocol = protocol

    @property
    def session(self) -> TimeoutSession | None:
        rsession = self.protocol.rsession
        return rsession if isinstance(rsession, TimeoutSession) else None


def client_credentials(settings: Settings) -> tuple[int, str]:
    """The Strava application's (client id, client secret), or a message saying what to set."""
    if not settings.strava_client_id or not settings.strava_client_secret:
        raise StravaConfigError(
            "Strava is not set up: register an API application at "
            "https://www.strava.com/settings/api (callback domain 127.0.0.1), then set "
            "COACHG_STRAVA_CLIENT_ID and COACHG_STRAVA_CLIENT_SECRET."
        )
    try:
        return int(settings.strava_client_id), settings.strava_client_secret
    except ValueError:
        raise StravaConfigError(
            "COACHG_STRAVA_CLIENT_ID must be the number Strava shows as 'Client ID'."
        ) from None


def make_client(
    settings: Settings,
    access_token: str | None = None,
    rate_limiter: RateLimiter | None = None,
) -> StravaClient:
    """A stravalib client for ``settings.strava_base_url`` with a request timeout."""
    protocol = StravaProtocol(
        settings.strava_base_url or DEFAULT_BASE_URL,
        access_token=access_token,
        requests_session=TimeoutSession(),
        rate_limiter=rate_limiter,
    )
    return StravaClient(protocol)
