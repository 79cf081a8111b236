"""Serving the chat page: index the bundled corpus if the index is empty, load the model,
then serve on 127.0.0.1 unless told otherwise. Used by ``assistant ui`` and ``app.py``."""

from __future__ import annotations

import logging
import os

from assistant.config import Settings
from assistant.errors import ModelError

log = logging.getLogger(__name__)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Build the engine the settings describe and serve the page until interrupted."""
    # Gradio reads this when it is imported; the page also turns analytics off itself.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from assistant.answer.engine import build_engine
    from assistant.index.ingest import ingest_if_empty
    from assistant.ui.page import build_ui, launch

    engine = build_engine(settings)
    if ingest_if_empty(settings, engine.index) is not None:
        engine.search.refresh()
    try:  # loaded now, so the first question does not wait for it
        log.warning("Model ready: %s", engine.model.describe())
    except ModelError as error:  # searching still works; answers will show this error
        log.error("%s", error)
    launch(build_ui(engine), engine, host, port)
