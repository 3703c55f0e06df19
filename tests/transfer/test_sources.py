"""Hostile ZIPs: names that climb out, too many or too large entries, zip bombs."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from faceadmin.faceapi.transfer.sources import (
    Limits,
    SourceError,
    TooLarge,
    ZipSource,
    read_entries,
    safe_name,
)
from tests.transfer.conftest import make_zip, photo

LIMITS = Limits(max_entries=5, max_total_bytes=20_000_000, max_file_bytes=6_000_000)


@pytest.mark.parametrize(
    "name", ["../x.jpg", "/etc/passwd", "a/../../x.jpg", "C:/x.jpg", "a\\..\\x.jpg"]
)
def test_names_that_climb_out_or_are_absolute_are_unsafe(name: str) -> None:
    assert safe_name(name) is None


def test_a_person_folder_and_a_nested_path_are_safe() -> None:
    assert safe_name("Ada Lovelace/1.jpg") == "Ada Lovelace/1.jpg"
    assert safe_name("team/Ada/1.jpg") == "team/Ada/1.jpg"


def test_too_many_entries_refuse_the_whole_zip(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "many.zip", {f"P/{i}.jpg": b"x" for i in range(6)})
    with pytest.raises(SourceError, match="6 files; the limit is 5"):
        read_entries(ZipSource(source), LIMITS)


def test_a_zip_bomb_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("P/bomb.jpg", b"\0" * 5_000_000)  # compresses ~1000:1
        archive.writestr("P/real.jpg", photo("enroll/joe_biden/1.jpg"))
    entries = {e.path: e for e in read_entries(ZipSource(path), LIMITS)}
    assert "zip bomb" in entries["P/bomb.jpg"].problem
    assert entries["P/real.jpg"].problem == ""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for i in range(5):
            archive.writestr(f"P/{i}.bin", b"\0" * 5_000_000)
    with pytest.raises(SourceError, match="unpacks to 25,000,000 bytes"):
        read_entries(ZipSource(path), LIMITS)


def test_an_entry_larger_than_its_header_says_is_cut_off_at_the_cap(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "big.zip", {"P/big.jpg": b"\xff" * 2000})
    with pytest.raises(TooLarge):
        ZipSource(source).read("P/big.jpg", 1000)


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(b"not a zip")
    with pytest.raises(SourceError, match="not a ZIP"):
        ZipSource(path)
