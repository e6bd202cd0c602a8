"""The error raised by the content services (comments, reactions, attachments)."""

from __future__ import annotations


class ContentError(ValueError):
    """Refused content input; ``field`` names the form field at fault, if any.

    The message is already translated: views flash it or return it as a JSON error.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
