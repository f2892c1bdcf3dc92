"""Tools for developers, not shipped in the runtime package: the synthetic exports and the bench."""
