"""Every cache file of a build, and every decision that something kept is still valid."""

from __future__ import annotations

from pathlib import Path

import orjson


def read_kept(path: Path) -> dict:
    """A JSON object a build kept in its cache, or {} when it is missing or unreadable: a
    cache only saves time, so a lost one means work done again, never a failed build."""
    try:
        kept = orjson.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return kept if isinstance(kept, dict) else {}
