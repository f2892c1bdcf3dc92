"""The one way out to the X API: tweepy clients for reading and for posting, the credentials
they need, and the host rewrite that sends their requests to a proxy or to the test server.

Credentials come from the environment or a git-ignored ``.env``; they are never logged.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import tweepy
from requests.adapters import HTTPAdapter

from communique.errors import CommuniqueError

API_BASE = "https://api.twitter.com"
BASE_VAR = "COMMUNIQUE_API_BASE"  # another address for the API: a proxy, or the test server
TOKEN_VAR = "TWITTER_BEARER_TOKEN"
KEYS = ("TWITTER_API_KEY", "TWITTER_API_SECRET", "TWITTER_ACCESS_TOKEN", "TWITTER_ACCESS_SECRET")

# tweepy logs the Authorization header at DEBUG: keep every HTTP logger above it.
for name in ("tweepy", "urllib3", "requests", "requests_oauthlib", "oauthlib"):
    logging.getLogger(name).setLevel(logging.INFO)


class RewriteHost(HTTPAdapter):
    """Sends tweepy's requests for api.twitter.com to ``base`` (a proxy, or the test server)."""

    def __init__(self, base: str, **kwargs):
        super().__init__(**kwargs)
        self.base = urlsplit(base)

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        path = self.base.path.rstrip("/") + parts.path
        request.url = urlunsplit((self.base.scheme, self.base.netloc, path, parts.query, ""))
        return super().send(request, **kwargs)


def load_dotenv(path: Path) -> None:
    """Variables from a git-ignored ``.env`` file; the environment wins over the file."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip().strip("'\""))


def bearer_token() -> str:
    token = os.environ.get(TOKEN_VAR, "").strip()
    if not token:
        raise CommuniqueError(
            f"{TOKEN_VAR} is not set: put it in the environment or in a .env file (never commit it)"
        )
    return token


def routed(client: tweepy.Client, base: str | None) -> tweepy.Client:
    """The client with its requests sent to ``base``, or COMMUNIQUE_API_BASE, or the API."""
    base = base or os.environ.get(BASE_VAR) or API_BASE
    client.session.mount(API_BASE, RewriteHost(base))
    return client


def make_client(token: str, base: str | None = None) -> tweepy.Client:
    """A reading client with the app's bearer token (what `invoke archive` uses)."""
    return routed(
        tweepy.Client(bearer_token=token, return_type=dict, wait_on_rate_limit=False), base
    )


def user_client(base: str | None = None) -> tweepy.Client:
    """A client with the OAuth 1.0a user keys that posting needs, from the environment."""
    missing = [k for k in KEYS if not os.environ.get(k)]
    if missing:
        raise CommuniqueError(f"posting needs {', '.join(missing)} in the environment or .env")
    return routed(tweepy.Client(*(os.environ[k] for k in KEYS), return_type=dict), base)


def describe(error: Exception) -> str:
    """One line for a failed call: the HTTP status and the API's own words, or the error's kind."""
    if isinstance(error, tweepy.HTTPException):
        said = "; ".join(str(m) for m in error.api_messages)
        status = f"{error.response.status_code} {error.response.reason}"
        return f"{status}: {said}" if said else status
    return type(error).__name__
