"""Opening Chroma (an embedded store, or a server shared by several assistants), and its
failures as errors that say what to do: a damaged store can be rebuilt, an unreachable
server cannot and must not be."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import chromadb
import httpx
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError

from assistant.config import Settings
from assistant.errors import IndexServerUnreachableError, IndexUnavailableError

REBUILD_HINT = (
    "If it is damaged, `assistant rebuild` sets it aside and builds a new one from the "
    "files it was built from."
)


def _is_store_failure(error: BaseException) -> bool:
    """Whether ``error`` comes from Chroma's storage rather than from a bug or an interrupt.

    Chroma's Rust core reports a malformed database as pyo3's PanicException, which
    derives from BaseException, not Exception.
    """
    return isinstance(error, ChromaError | sqlite3.Error) or (
        type(error).__name__ == "PanicException"
    )


def _unreachable(settings: Settings, error: BaseException) -> IndexServerUnreachableError:
    return IndexServerUnreachableError(
        f"Cannot reach the Chroma server at {settings.index_location}: "
        f"{str(error).strip() or type(error).__name__}. Check that it is running "
        "(`chroma run --host HOST --port PORT`) and that ASSISTANT_CHROMA_HOST, "
        "ASSISTANT_CHROMA_PORT and ASSISTANT_CHROMA_SSL point at it. The index on the "
        "server is not touched."
    )


def _is_connection_failure(error: BaseException) -> bool:
    """A server that cannot be reached, as httpx or chromadb's client report it."""
    if isinstance(error, httpx.TransportError | ConnectionError):
        return True
    text = str(error).lower()
    return "could not connect" in text or "connection refused" in text


@contextmanager
def store_errors(settings: Settings, doing: str) -> Iterator[None]:
    """Chroma failures as IndexUnavailableError: a damaged or half-written store, or (with a
    Chroma server) a server that cannot be reached, which no rebuild would mend."""
    try:
        yield
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as error:
        if settings.chroma_host and _is_connection_failure(error):
            raise _unreachable(settings, error) from error
        if not _is_store_failure(error):
            raise
        raise IndexUnavailableError(
            f"The index in {settings.index_location} failed while {doing}: "
            f"{str(error).strip() or type(error).__name__}. {REBUILD_HINT}"
        ) from error


def open_client(settings: Settings) -> chromadb.ClientAPI:
    """A client of the Chroma server the settings name, else the embedded store; no telemetry."""
    settings.vectorstore_dir.mkdir(parents=True, exist_ok=True)
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    try:
        if settings.chroma_host:
            token = settings.chroma_token
            return chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port,
                ssl=settings.chroma_ssl,
                headers={"Authorization": f"Bearer {token.get_secret_value()}"} if token else None,
                settings=chroma_settings,
            )
        return chromadb.PersistentClient(
            path=str(settings.vectorstore_dir), settings=chroma_settings
        )
    except (KeyboardInterrupt, SystemExit):
        raise
    # On open, chromadb raises assorted types for a damaged store (and panics).
    except BaseException as error:
        if not isinstance(error, Exception) and not _is_store_failure(error):
            raise
        if settings.chroma_host:
            raise _unreachable(settings, error) from error
        raise IndexUnavailableError(
            f"Cannot open the index in {settings.index_location}: {error}. {REBUILD_HINT}"
        ) from error
