"""Errors copyloop raises on purpose, each with a message meant for the user."""

from __future__ import annotations

from copyloop.usage import Usage, empty_usage


class CopyloopError(Exception):
    """Base class of copyloop's own errors."""


class FatalAPIError(CopyloopError):
    """The API refused in a way no retry can fix (bad key, empty balance): stop the whole batch."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ModelCallError(CopyloopError):
    """One model request failed for good; carries the usage of responses that were paid for before it."""

    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage or empty_usage()


class MalformedReply(CopyloopError):
    """A structured reply that was blank or did not match its schema."""


class StopRequested(CopyloopError):
    """The batch was asked to stop (Ctrl-C, or a fatal error elsewhere); unfinished articles stay resumable."""

    def __init__(self, message: str, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal
