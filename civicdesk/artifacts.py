"""Model artifacts in `models/` that are loaded only when their recorded checksum matches.

Each artifact is written with a sidecar `<name>.sha256` holding an HMAC-SHA256 of its bytes keyed with the
installation's secret (the one that hashes callers, kept outside `models/`). A file dropped into `models/`
by hand, edited, or copied from another installation does not verify and is not loaded. Artifacts are text
(JSON, Markdown); nothing in civicdesk loads a pickle.
"""
from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from civicdesk.ingest.callers import installation_secret


class ArtifactError(ValueError):
    """An artifact whose checksum is missing or does not match."""


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def checksum(data: bytes) -> str:
    """The installation-keyed HMAC-SHA256 of ``data`` (hex)."""
    return hmac.new(installation_secret(), data, hashlib.sha256).hexdigest()


def write_artifact(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` (UTF-8) with its checksum beside it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(data)
    _sidecar(path).write_text(checksum(data) + "\n", encoding="ascii")
    return path


def read_artifact(path: str | Path) -> str:
    """The artifact's text, if its recorded checksum matches; raises ArtifactError otherwise."""
    path = Path(path)
    data = path.read_bytes()
    side = _sidecar(path)
    if not side.exists():
        raise ArtifactError(f"{path} has no recorded checksum ({side.name}); it was not written by this "
                            "installation and is not loaded")
    if not hmac.compare_digest(side.read_text(encoding="ascii").strip(), checksum(data)):
        raise ArtifactError(f"{path} does not match its recorded checksum (changed or copied from elsewhere); "
                            "it is not loaded")
    return data.decode("utf-8")
