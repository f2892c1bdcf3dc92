"""Reading ``pelican.conf.py`` outside Pelican, so tasks see the same settings as the build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from communique.errors import CommuniqueError

DEFAULTS: dict[str, Any] = {
    "ACCOUNTS": [],
    "ARCHIVE_PATH": "content/archive",
    "TRIPS_PATH": "content/trips",
    "SITEURL": "",
    "SITENAME": "Communique",
    "AUDIENCES": {},
    "SIGNATURES": {},
    "POSTS_PER_PAGE": 50,
    "OUTPUT_PATH": "output",
    "SYNDICATE_FEED": "atom.xml",
    "SYNDICATE_STATE": "content/syndicate.json",
}


def load(path: Path | str) -> dict[str, Any]:
    """The settings in ``path`` over the defaults; relative paths resolve against its folder."""
    path = Path(path)
    if not path.exists():
        raise CommuniqueError(f"{path}: settings file not found")
    namespace: dict[str, Any] = {"__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    settings = dict(DEFAULTS)
    settings.update({k: v for k, v in namespace.items() if k.isupper()})
    settings["BASE"] = path.parent.resolve()
    return settings


def archive_path(settings: dict[str, Any]) -> Path:
    return Path(settings["BASE"]) / settings["ARCHIVE_PATH"]
