"""Where a result came from: the sha256 of a data file and the hesui commit, recorded by eval and train runs."""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hesui_commit() -> str:
    """The git commit of the hesui source in use, or "unknown" (an installed copy, no git)."""
    src = Path(__file__).resolve().parent  # .../src/hesui
    try:
        out = subprocess.run(["git", "-C", str(src), "rev-parse", "--show-toplevel", "HEAD"], capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    lines = out.stdout.split()
    if out.returncode != 0 or len(lines) != 2 or Path(lines[0]).resolve() / "src" / "hesui" != src:
        return "unknown"  # not hesui's own repository (e.g. a site-packages inside another checkout)
    return lines[1]
