"""Where the site's own pages go: where no account's pages can.

An account's pages are ``/<account>/...``, and any handle may exist (@data, @search): so the
site's own pages (trips, hashtags, conversations, audiences, provenance, redactions, data,
search, the staff's pages, the theme, the search index) live under ``/-/``, a folder no handle
can name, as GitLab keeps its own pages under ``/-/`` beside its users. Beside the accounts'
folders there are only files with a dot in their name (``index.html``, ``atom.xml``).
"""

from __future__ import annotations

import re

OWN = "-"  # handles are [A-Za-z0-9_]: no account is named with a hyphen
# What the store may name an account (the importers take \w{1,50}): a name with neither a
# hyphen nor a dot, so never the site's own folder nor one of its files.
ACCOUNT = re.compile(r"\w+")
SEARCH_INDEX = f"{OWN}/pagefind"  # its folders, made after the build by the search indexer


def own(rel_dir: str) -> str:
    """A site page's folder, under ``/-/``."""
    return f"{OWN}/{rel_dir}"


def moved_from(rel_dir: str) -> str | None:
    """Where a site page was before the site's own pages moved under ``/-/``: at the top, in
    a folder an account may now hold."""
    return rel_dir[len(OWN) + 1 :] if rel_dir.startswith(f"{OWN}/") else None


def an_account_could_hold(rel: str) -> bool:
    """Whether ``rel`` (a path in ``output/``) is, or is in, a folder an account may be named."""
    return ACCOUNT.fullmatch(rel.partition("/")[0]) is not None
