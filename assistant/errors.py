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


class IndexServerUnreachableError(IndexUnavailableError):
    """The Chroma server holding the index cannot be reached (the index itself may be fine)."""


class SharedIndexError(AssistantError):
    """A command would delete a collection on a Chroma server that others may be using."""


class ModelError(AssistantError):
    """A model file is missing, corrupt or cannot be loaded."""


class ContextOverflowError(ModelError):
    """The prompt and the answer asked for do not fit in the model's context window."""


class ChatError(AssistantError):
    """A saved conversation cannot be used as asked (an empty title, say)."""


class ChatNotFoundError(ChatError):
    """No saved conversation of this user has the id (another user's reads as missing)."""


class ChatStoreError(ChatError):
    """The file of saved conversations cannot be opened or read (corrupt, unreadable, newer)."""
