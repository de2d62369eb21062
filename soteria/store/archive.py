"""The original bytes of every file loaded, kept beside the database so any load can be downloaded again.

Files live in `<database stem>.extracts/` next to the database file (`data/soteria.extracts/` for the
default database; git-ignored), named by their SHA-256 with the original extension. Content-addressed:
the same file loaded twice is kept once, and a file written for a load that then failed is harmless.
A load writes its file under a pending name before the database commit and gives it its own name
just after (`settle`); `tidy`, run whenever the database is opened for writing, finishes what a crash
between the two left (the commit happened: rename; it did not: delete) and deletes half-written files,
so an interrupted load leaves nothing behind. Named originals are never deleted, even when the current
database no longer refers to one: a snapshot may (restore an older one, then the newer one again).
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


PENDING = ".pending-"
INCOMING = ".incoming-"


def keep(db_path: Path | str, sha256: str, file_name: str, data: bytes) -> str:
    """Write the file's bytes under a pending name (once per content); returns the name it will have,
    relative to archive_dir, once `settle` is called after the database commit."""
    folder = archive_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    name = stored_name(sha256, file_name)
    target = folder / name
    if target.exists() and target.stat().st_size == len(data):
        return name
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=INCOMING)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, folder / (PENDING + name))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return name


def settle(db_path: Path | str, name: str, committed: bool) -> None:
    """After the load's transaction: give the pending file its name (committed) or delete it."""
    folder = archive_dir(db_path)
    pending = folder / (PENDING + name)
    if not pending.exists():
        return
    if committed:
        os.replace(pending, folder / name)
    else:
        pending.unlink(missing_ok=True)


def tidy(db_path: Path | str, referenced: set[str]) -> list[str]:
    """Finish or clear what an interrupted load left (pending and half-written files only); returns the
    names removed or renamed."""
    folder = archive_dir(db_path)
    if not folder.is_dir():
        return []
    done = []
    for path in folder.iterdir():
        name = path.name
        if name.startswith(PENDING):
            final = name.removeprefix(PENDING)
            settle(db_path, final, committed=final in referenced)
        elif name.startswith(INCOMING):
            path.unlink(missing_ok=True)
        else:
            continue
        done.append(name)
    return done


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
