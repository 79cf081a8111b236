"""Paper Assistant in the browser: ``python app.py`` (or ``make run``), then open the URL shown.

The same as ``assistant ui``: on first launch with an empty index it indexes the bundled
corpus, with progress on the console, then serves on 127.0.0.1 only (``--host`` to expose
it). Options: ``--host``, ``--port``, ``--index``, ``--model``, ``-v``.
"""

from __future__ import annotations

import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main(["ui", *sys.argv[1:]]))
