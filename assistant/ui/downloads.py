"""Files the page offers for download (reference lists), written to a temporary folder of
this process: never inside the package, removed when the process ends."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.references import render

# The reference files offered, and the format ``references.render`` writes each in.
REFERENCE_FILES = {"bib": "bibtex", "ris": "ris"}


class Downloads:
    """One temporary folder; each file in a folder of its own, so two browser tabs
    exporting at once never write the same path."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="paper-assistant-")

    @property
    def folder(self) -> Path:
        return Path(self._folder.name)

    def write(self, name: str, text: str) -> str:
        """``text`` in a new file called ``name``; its path."""
        path = Path(tempfile.mkdtemp(dir=self.folder)) / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def references(
        self, records: Sequence[Mapping[str, Any]], stem: str = "references"
    ) -> dict[str, str]:
        """The records as ``stem.bib`` and ``stem.ris``: extension -> path (none for no records)."""
        if not records:
            return {}
        return {
            extension: self.write(f"{stem}.{extension}", render(records, fmt))
            for extension, fmt in REFERENCE_FILES.items()
        }
