"""The one exception users see: a message that names the file or setting at fault."""


class CommuniqueError(Exception):
    """Bad input or a failed outside call; the message is shown as is, with a non-zero exit."""
