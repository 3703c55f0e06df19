"""Reading an import source (a ZIP or a folder) safely into a list of entries.

A ZIP comes from a browser, so it is treated as hostile: nothing is ever extracted to disk
(entries are read into memory by name, one at a time), names that climb out (`..`, absolute
paths, drive letters) are refused, and the number of entries, each entry's size, the total
uncompressed size and the compression ratio are capped before anything is read, and again
while reading (a header may lie about the size).

Two layouts are understood:

* a folder per person: `Person Name/photo.jpg` (files at the top level have no person; fine
  for a face list, refused for a person group);
* a CSV manifest `manifest.csv` at the top with the columns
  `person_id_or_name,name,user_data,file` (`file` is a path inside the ZIP). An export
  (`exporting.py`) writes this layout, so import reads it back.
"""

from __future__ import annotations

import csv
import io
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from django.conf import settings

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("person_id_or_name", "name", "user_data", "file")
# Names a ZIP made on macOS or Windows carries that are not photos of anybody.
_IGNORED_PARTS = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"}
# A deflated photo is barely smaller than the photo: a huge ratio means a zip bomb.
MAX_COMPRESSION_RATIO = 50


class SourceError(ValueError):
    """The source as a whole cannot be imported (not a ZIP, too big, a broken manifest)."""


@dataclass(frozen=True)
class Limits:
    max_entries: int
    max_total_bytes: int
    max_file_bytes: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_entries=int(settings.FACEADMIN_IMPORT_MAX_FILES),
            max_total_bytes=int(settings.FACEADMIN_IMPORT_MAX_TOTAL_BYTES),
            max_file_bytes=int(settings.FACEADMIN_IMPORT_MAX_FILE_BYTES),
        )


@dataclass(frozen=True)
class Entry:
    """One photo to import: where it is in the source and whose it is."""

    path: str  # the name inside the source (POSIX separators)
    person_ref: str  # a personId, or a person's name; "" for no person
    name: str  # the person's name to create with ("" = same as person_ref)
    user_data: str  # the person's userData (a face list: the face's userData)
    size: int
    problem: str = ""  # why the entry is refused before reading it ("" = fine)

    @property
    def person_name(self) -> str:
        return self.name or self.person_ref


class Source(Protocol):
    def names(self) -> list[tuple[str, int, int]]:
        """(name, uncompressed size, compressed size) of every file."""
        ...

    def read(self, name: str, limit: int) -> bytes: ...

    def close(self) -> None: ...


def safe_name(name: str) -> str | None:
    """The entry's name as a clean relative POSIX path, or None when it is unsafe."""
    if "\x00" in name or "\\" in name:
        return None
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("..", "") for part in path.parts):
        return None
    if path.parts and ":" in path.parts[0]:  # C:... on Windows
        return None
    return str(path)


class TooLarge(SourceError):
    pass


class ZipSource:
    def __init__(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceError(f"This is not a ZIP file we can read ({exc}).") from None
        # The import's threads read entries of one archive (one file position).
        self._lock = threading.Lock()

    def names(self) -> list[tuple[str, int, int]]:
        return [
            (info.filename, info.file_size, info.compress_size)
            for info in self._zip.infolist()
            if not info.is_dir()
        ]

    def read(self, name: str, limit: int) -> bytes:
        # The header's size may lie: read at most limit + 1 bytes and refuse beyond.
        with self._lock, self._zip.open(name) as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(f"{name} is larger than {limit:,} bytes.")
        return data

    def close(self) -> None:
        self._zip.close()


class FolderSource:
    """A folder on the server's disk (`manage.py import` for sets too big to upload)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        if not self.root.is_dir():
            raise SourceError(f"{root} is not a folder.")

    def names(self) -> list[tuple[str, int, int]]:
        found = []
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                size = path.stat().st_size
                found.append((path.relative_to(self.root).as_posix(), size, size))
        return found

    def read(self, name: str, limit: int) -> bytes:
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root):
            raise SourceError(f"{name} is outside the import folder.")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(f"{name} is larger than {limit:,} bytes.")
        return data

    def close(self) -> None:
        pass


def open_source(path: Path) -> Source:
    return FolderSource(path) if path.is_dir() else ZipSource(path)


def _ignored(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(part in _IGNORED_PARTS or part.startswith("._") for part in parts)


def _check_totals(files: list[tuple[str, int, int]], limits: Limits) -> None:
    if len(files) > limits.max_entries:
        raise SourceError(
            f"The source has {len(files):,} files; the limit is {limits.max_entries:,}."
        )
    total = sum(size for _, size, _ in files)
    if total > limits.max_total_bytes:
        raise SourceError(
            f"The source unpacks to {total:,} bytes; the limit is {limits.max_total_bytes:,}."
        )


def _size_problem(size: int, compressed: int, limits: Limits) -> str:
    if size > limits.max_file_bytes:
        return f"larger than {limits.max_file_bytes:,} bytes"
    if compressed and size / compressed > MAX_COMPRESSION_RATIO and size > 1_000_000:
        return "compressed too well to be a photo (zip bomb?)"
    return ""


def read_entries(source: Source, limits: Limits | None = None) -> list[Entry]:
    """Every photo of the source with its person, in a stable order."""
    limits = limits or Limits.from_settings()
    files = [f for f in source.names() if not _ignored(f[0])]
    _check_totals(files, limits)
    sizes = {name: (size, compressed) for name, size, compressed in files}
    if MANIFEST_NAME in sizes:
        return _manifest_entries(source, sizes, limits)
    entries = []
    for name, size, compressed in files:
        clean = safe_name(name)
        if clean is None:
            entries.append(Entry(name, "", "", "", size, problem="unsafe path (refused)"))
            continue
        parts = PurePosixPath(clean).parts
        person = parts[-2] if len(parts) >= 2 else ""
        problem = _size_problem(size, compressed, limits)
        entries.append(Entry(clean, person.strip(), "", "", size, problem=problem))
    return sorted(entries, key=lambda e: (e.person_ref, e.path))


def _manifest_entries(
    source: Source, sizes: dict[str, tuple[int, int]], limits: Limits
) -> list[Entry]:
    raw = source.read(MANIFEST_NAME, 64 * 1024 * 1024)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError("manifest.csv is not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in MANIFEST_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise SourceError(
            f"manifest.csv lacks the column(s) {', '.join(missing)}; "
            f"it needs {','.join(MANIFEST_COLUMNS)}."
        )
    entries = []
    for row in reader:
        name = (row.get("file") or "").strip()
        ref = (row.get("person_id_or_name") or "").strip()
        person_name = (row.get("name") or "").strip()
        user_data = row.get("user_data") or ""
        if not name:
            # A person without photos (an export keeps them, so a round trip keeps them too).
            entries.append(Entry("", ref, person_name, user_data, 0))
            continue
        clean = safe_name(name)
        if clean is None:
            entries.append(Entry(name, ref, person_name, user_data, 0, "unsafe path (refused)"))
            continue
        if clean not in sizes:
            entries.append(Entry(clean, ref, person_name, user_data, 0, "not in the ZIP"))
            continue
        size, compressed = sizes[clean]
        problem = _size_problem(size, compressed, limits)
        entries.append(Entry(clean, ref, person_name, user_data, size, problem))
    return entries


def iter_photos(source: Source, entries: list[Entry], limits: Limits) -> Iterator[bytes | None]:
    """The bytes of each entry in turn (None for entries refused beforehand)."""
    for entry in entries:
        if entry.problem:
            yield None
            continue
        yield source.read(entry.path, limits.max_file_bytes)
