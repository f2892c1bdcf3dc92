"""The one exception users see: a message that names the file or setting at fault."""


class CommuniqueError(Exception):
    """Bad input or a failed outside call; the message is shown as is, with a non-zero exit."""


class StoreError(CommuniqueError):
    """A store file cannot be read: named so the user can find it."""
