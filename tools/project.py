"""A fresh clone made the user's own site: the demo moved out of content/, the settings and the
About page written for their handle.

The demo stays in the clone, in ``demo/`` with its own settings, so `invoke demo` still builds it
and nothing the clone shipped is deleted; a site already made one's own is never written over
without ``force``, and a file the user wrote is never replaced.
"""

from __future__ import annotations

import ast
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from communique.errors import CommuniqueError
from communique.records import handle

DEMO_ACCOUNT = "envoy_vale"
DEMO_FOLDER = "demo"
# What the clone ships for the demo, beside the settings: moved to demo/ as they are.
DEMO_FILES = (
    "content/archive/envoy_vale",
    "content/trips/arctic-council-nuuk-2011.md",
    "content/trips/iceland-croatia-armenia-2008.md",
    "content/trips/west-africa-2010.md",
    "content/pages/about.md",
    "content/redactions.md",
)
# What the demo's settings need in demo/ to find the theme and plugin of the project.
DEMO_FOLDER_SETTINGS = 'THEME = "../theme"\nPLUGIN_PATHS = ["../plugins"]\n'

ABOUT = """\
Title: About
Slug: about

This is the public record of **@{name}**. Say here whose account it is, who posts for it and
how the archive is kept: this page is `content/pages/about.md`.

The posts come from the account's own archive export (Twitter's "Download your data") and,
after that, from the platform's API. Every post is stored exactly as it was received, with
where it came from, when it was retrieved and a SHA-256 checksum of the record, so anyone can
check the published copy against the [data downloads](../data/). See
[provenance](../provenance/) for the counts.
"""

REDACTIONS = """\
Title: Withheld posts

Posts of the archive withheld from publication. Each line names a post, a reason and the day it
was withheld; the site shows a placeholder at the post's address and lists it in the redaction
log at /-/redactions/. The record itself stays in the store.

One line a post: `- <post id>: <reason>, <YYYY-MM-DD>`, where the reason is one of
personal-data (personal data of a private person), security, legal-order or error.
"""


@dataclass
class Init:
    """What `invoke init` did, for its summary."""

    name: str
    moved: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"moved the demo to {DEMO_FOLDER}/: {', '.join(self.moved)}"] if self.moved else []
        out += [f"wrote {path}" for path in self.written]
        out += [f"kept {path}: yours, not the demo's" for path in self.kept]
        out.append(
            f"@{self.name}: import the account's export with `invoke import-archive PATH`,"
            " then `invoke build`"
        )
        return out


def account_settings(name: str) -> dict[str, str]:
    """The settings of a site of one account, as Python source: what the demo's name its envoy."""
    return {
        "AUTHOR": json.dumps(f"@{name}"),
        "SITENAME": json.dumps(f"@{name}: the public record"),
        "ACCOUNTS": json.dumps([name]),
        "HOME_PLACES": "[]",
        "SIGNATURES": "{}",
        "AUDIENCES": "{}",
        "SUPPORT_HASHTAGS": "[]",
    }


def rewrite_settings(source: str, values: dict[str, str], where: Path) -> str:
    """``source`` with each top-level ``NAME = ...`` of ``values`` replaced (added at the end
    when missing); comments and every other line stay as the user left them."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise CommuniqueError(f"{where}:{error.lineno}: {error.msg}") from None
    lines = source.splitlines(keepends=True)
    spans = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in values:
                spans[target.id] = (node.lineno - 1, node.end_lineno)
    for name, (start, end) in sorted(spans.items(), key=lambda s: -s[1][0]):
        lines[start:end] = [f"{name} = {values[name]}\n"]
    text = "".join(lines)
    missing = [name for name in values if name not in spans]
    if missing:
        text = text.rstrip("\n") + "\n\n" + "".join(f"{n} = {values[n]}\n" for n in missing)
    return text


def configured_accounts(conf: Path) -> list[str] | None:
    """The ACCOUNTS a settings file names (its last assignment, which Python keeps), when it
    names them as a plain list."""
    try:
        tree = ast.parse(conf.read_text())
    except SyntaxError as error:
        raise CommuniqueError(f"{conf}:{error.lineno}: {error.msg}") from None
    found = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
            "ACCOUNTS"
        ]:
            try:
                found = [str(a).lower() for a in ast.literal_eval(node.value)]
            except (ValueError, TypeError):
                found = None
    return found


def init(root: Path, name: str, *, force: bool = False) -> Init:
    """Make the project in ``root`` the site of @name. A run stopped midway is finished by the
    next: the demo's files are moved one by one, the settings rewritten last."""
    account = handle(name)
    if account is None:
        raise CommuniqueError(f"{name!r} is not a handle (1 to 15 of A-Z, a-z, 0-9, _)")
    conf = root / "pelican.conf.py"
    if not conf.exists():
        raise CommuniqueError(f"{conf}: settings file not found")
    old = configured_accounts(conf) or []
    if old != [DEMO_ACCOUNT] and not force:
        raise CommuniqueError(
            f"{conf}: this site is already set up (ACCOUNTS = {old}); `invoke init {account}"
            " --force` rewrites ACCOUNTS, SITENAME and an About page init wrote, and keeps every"
            " other file"
        )
    done = Init(account)
    demo = root / DEMO_FOLDER
    shipped = [p for p in DEMO_FILES if (root / p).exists() and not (demo / p).exists()]
    if shipped and not (demo / "pelican.conf.py").exists():
        demo.mkdir(exist_ok=True)
        (demo / "pelican.conf.py").write_text(
            conf.read_text() + "\n# The demo, moved here by `invoke init`: `invoke demo` builds"
            " it.\n" + DEMO_FOLDER_SETTINGS
        )
    for path in shipped:
        (demo / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(root / path, demo / path)
    done.moved = shipped
    conf.write_text(rewrite_settings(conf.read_text(), account_settings(account), conf))
    done.written.append("pelican.conf.py")
    (root / "content" / "archive").mkdir(parents=True, exist_ok=True)
    (root / "content" / "trips").mkdir(parents=True, exist_ok=True)
    about = root / "content" / "pages" / "about.md"
    ours = [ABOUT.format(name=a) for a in old]
    if not about.exists() or about.read_text() in ours:
        about.parent.mkdir(parents=True, exist_ok=True)
        about.write_text(ABOUT.format(name=account))
        done.written.append("content/pages/about.md")
    else:
        done.kept.append("content/pages/about.md")
    redactions = root / "content" / "redactions.md"
    if not redactions.exists():
        redactions.write_text(REDACTIONS)
        done.written.append("content/redactions.md")
    return done


def demo_root(root: Path) -> Path:
    """Where the demo is: the project itself until `invoke init` moved it to demo/."""
    return root / DEMO_FOLDER if (root / DEMO_FOLDER / "pelican.conf.py").exists() else root
