"""Communique: mirror an official microblog account as a transparent static archive.

Importing the package is cheap; ``register()`` makes it a Pelican plugin.
"""


def register() -> None:
    from communique.site import plugin

    plugin.register()
