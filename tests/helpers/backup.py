"""Reading every table of a database file, to compare a backup or a restore with the original; a data folder's
state byte for byte; a backup's manifest, and the damage done to backups in the tests that refuse them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb


def table_contents(path: Path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    contents = {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall() for name in names}
    con.close()
    return contents


def folder_state(folder: Path) -> dict[str, bytes | None]:
    """Every entry under the folder with the bytes of each file: a moved, changed or added one shows."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
        for p in sorted(folder.rglob("*"))
    }


def manifest(folder: Path) -> dict:
    return json.loads((folder / "backup.json").read_text())


def write_manifest(folder: Path, content) -> None:
    (folder / "backup.json").write_text(json.dumps(content))


def a_photo(folder: Path) -> Path:
    return sorted((folder / "photos").glob("*/*.jpg"))[0]


def tampered_photo(folder: Path) -> None:
    photo = a_photo(folder)
    data = bytearray(photo.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte changed
    photo.write_bytes(bytes(data))


def photo_left_out(folder: Path) -> None:
    """A photo file and its manifest line removed: the database still refers to it."""
    photo = a_photo(folder)
    described = manifest(folder)
    del described["files"][str(photo.relative_to(folder))]
    described["photos"] -= 1
    write_manifest(folder, described)
    photo.unlink()


# Damage to a backup's photos, refused alike whichever back end the backup came from: (damage, messages).
PHOTO_DAMAGE = {
    "tampered photo": (tampered_photo, ("is damaged (photos/", "中的备份已损坏（photos/")),
    "photo left out": (photo_left_out, ("is damaged (photos): nothing was restored.", "已损坏（photos）")),
}


# What a restore says of a backup made by a newer version of the app, whichever back end made it.
NEWER_SCHEMA = ("was made by a newer version of the app (schema version 999;", "由更新版本的应用制作（架构版本 999")


def refused_in_both_languages(capsys, command: list[str], english: str, chinese: str) -> None:
    """The command line task fails and says why, in English and in Chinese."""
    from audit.__main__ import main

    capsys.readouterr()
    for lang, expected in (("en", english), ("zh", chinese)):
        assert main(["--lang", lang, *command]) == 1
        assert expected in capsys.readouterr().err


def damaged_backup_refused(
    capsys, good_backup: Path, damage: Callable[[Path], object], messages: tuple[str, str]
) -> None:
    """A copy of the good backup beside it (links kept as links), damaged, is refused by `restore --replace`."""
    broken = Path(shutil.copytree(good_backup, good_backup.parent / "broken", symlinks=True))
    damage(broken)
    refused_in_both_languages(capsys, ["restore", str(broken), "--replace"], *messages)
