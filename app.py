"""Paper Assistant in the browser: ``python app.py`` (or ``make run``), then open the URL shown.

Wires the engine to the Gradio UI (``assistant/ui.py``). On first launch with an empty
index it indexes the bundled corpus, with progress on the console, then serves on
127.0.0.1 only: nothing is exposed to the network unless ``--host`` says so.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger("app")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="Address to serve on (default 127.0.0.1: this machine only).",
    )
    parser.add_argument("--port", type=int, default=7860, help="Port (default 7860).")
    parser.add_argument("--index", type=Path, help="Index folder (ASSISTANT_VECTORSTORE_DIR).")
    parser.add_argument("--model", type=Path, help="A GGUF file to answer with (ASSISTANT_MODEL).")
    parser.add_argument("-v", "--verbose", action="store_true", help="Log progress details.")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Gradio reads this when it is imported; the UI also turns analytics off explicitly.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    log.setLevel(logging.INFO)
    from assistant.config import Settings
    from assistant.errors import AssistantError, ModelError
    from assistant.ingest import ingest_if_empty
    from assistant.pipeline import build_engine
    from assistant.ui import build_ui, launch

    overrides = {"vectorstore_dir": args.index, "model": args.model}
    try:
        settings = Settings(**{key: value for key, value in overrides.items() if value})
        engine = build_engine(settings)
        if ingest_if_empty(settings, engine.index) is not None:
            engine.search.refresh()
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:  # loaded now, so the first question does not wait for it
        log.info("Model ready: %s", engine.model.describe())
    except ModelError as error:  # searching still works; answers will show this error
        log.error("%s", error)
    launch(build_ui(engine), engine, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
