"""The one error of ``fileformats``."""


class FileFormatError(Exception):
    """The file cannot be read; the message says why, after the file's name ("is empty")."""
