"""The errors the assistant raises; each message tells the user what to do next."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: anything the command line or UI shows as a plain message."""


class CorpusError(AssistantError):
    """A corpus file could not be read (or, with --strict, had a problem)."""


class IndexMismatchError(AssistantError):
    """The index on disk was built with settings that make it incompatible."""


class IndexUnavailableError(AssistantError):
    """The index on disk cannot be opened (missing, corrupt or half-written)."""


class ModelError(AssistantError):
    """A model file is missing, corrupt or cannot be loaded."""
