"""The one exception hierarchy of iacguard.

The CLI turns every :class:`IacguardError` into a one-line message on standard error and exit
code 2. Messages must never contain secret values: they name files, positions and attribute
paths, never attribute values.
"""

from __future__ import annotations


class IacguardError(Exception):
    """Base class of every error iacguard reports to the user as a one-line message."""

    def one_line(self) -> str:
        """Return the message on a single line, whatever the underlying text contained."""
        return " ".join(str(self).split())


class UsageError(IacguardError):
    """The command line asks for something iacguard cannot do (unknown format, bad option)."""


class InputError(IacguardError):
    """An input cannot be read or is not what iacguard reads.

    Attributes:
        path: the input as the user named it (``-`` is shown as ``<stdin>``).
        position: where in the file, when known: ``line:column`` or a JSON pointer.
        detail: what is wrong, without any value taken from the file.
    """

    def __init__(self, path: str, detail: str, position: str | None = None) -> None:
        self.path = path
        self.detail = detail
        self.position = position
        where = f"{path}:{position}" if position else path
        super().__init__(f"{where}: {detail}")


class ConfigError(IacguardError):
    """The configuration file is malformed or names something that does not exist."""
