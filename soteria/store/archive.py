"""The original bytes of every file loaded, kept beside the database so any load can be downloaded again.

Files live in `<database stem>.extracts/` next to the database file (`data/soteria.extracts/` for the
default database; git-ignored), named by their SHA-256 with the original extension. Content-addressed:
the same file loaded twice is kept once, and a file written for a load that then failed is harmless.
Files are written before the database commit (write to a temporary name, then rename), so a committed
extract always has its original.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path, PurePath


def archive_dir(db_path: Path | str) -> Path:
    path = Path(db_path)
    return path.parent / f"{path.stem}.extracts"


def stored_name(sha256: str, file_name: str) -> str:
    suffix = PurePath(file_name).suffix.lower()
    return sha256 + (suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ".bin")


def keep(db_path: Path | str, sha256: str, file_name: str, data: bytes) -> str:
    """Keep the file's bytes (once per content); returns the stored name, relative to archive_dir."""
    folder = archive_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    name = stored_name(sha256, file_name)
    target = folder / name
    if target.exists() and target.stat().st_size == len(data):
        return name
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return name


def original_path(db_path: Path | str, stored_as: str | None) -> Path | None:
    """Where the kept bytes of a load are, or None (synthetic demo loads, or a file removed by hand)."""
    if not stored_as or "/" in stored_as or "\\" in stored_as:
        return None
    path = archive_dir(db_path) / stored_as
    return path if path.is_file() else None


def original(db_path: Path | str, stored_as: str | None) -> bytes | None:
    """The kept bytes of a load, or None (synthetic demo loads, or a file removed by hand)."""
    path = original_path(db_path, stored_as)
    return None if path is None else path.read_bytes()
