"""The curated procedure catalog (`data/procedures/<code>.json`), validated on load.

Each file is one `CatalogEntry`: everything the parser read from the national database, plus
where it came from (`source`), when it was checked (`verified_on`), the folk names citizens use
(`aliases`), how much it is used (`popularity`) and the phone-screen `answers`. A file that does
not validate stops the load with an error naming the file and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from pydantic import Field, ValidationError

from core.procedures.answers import Answers
from core.procedures.models import Frozen, Issue, Procedure

ENTRY_FILE_RE = re.compile(r"^\d+\.\d{6}\.json$")


class Source(Frozen):
    """`file`: the raw record, relative to the shared reference data
    (e.g. "dichvucong-2026/raw/bo-tu-phap/1.001193.json"); `local_copy`: the project's copy
    of it, relative to the catalog directory (e.g. "sources/1.001193.json")."""

    file: str
    local_copy: str
    detail_url: str


class CatalogEntry(Procedure):
    source: Source
    verified_on: date
    aliases: tuple[str, ...]
    popularity: int = Field(ge=0)
    answers: Answers
    issues: tuple[Issue, ...]


class CatalogError(Exception):
    """A catalog file is unreadable or invalid; the message names the file and the field."""


def entry_files(directory: Path) -> list[Path]:
    """The entry files of a catalog directory (`<code>.json`; not `index.json`, not sources)."""
    return sorted(p for p in directory.glob("*.json") if ENTRY_FILE_RE.match(p.name))


def load_entry(path: Path) -> CatalogEntry:
    """Reads and validates one entry file; its name must be its code."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(f"{path.name}: unreadable: {exc}") from exc
    try:
        entry = CatalogEntry.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(file)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise CatalogError(f"{path.name}: {where}: {first['msg']}{more}") from exc
    if f"{entry.code}.json" != path.name:
        raise CatalogError(f"{path.name}: code: the file holds {entry.code}")
    return entry


class Catalog:
    """The loaded entries by code."""

    def __init__(self, entries: dict[str, CatalogEntry]) -> None:
        self._entries = dict(entries)

    def get(self, code: str) -> CatalogEntry | None:
        return self._entries.get(code)

    def all(self) -> tuple[CatalogEntry, ...]:
        """Every entry, most used first."""
        return tuple(sorted(self._entries.values(), key=lambda e: (-e.popularity, e.code)))

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(self.all())

    def __contains__(self, code: object) -> bool:
        return code in self._entries


def load_catalog(directory: Path) -> Catalog:
    """Loads every entry of `directory`; raises `CatalogError` on the first bad file."""
    if not directory.is_dir():
        raise CatalogError(f"{directory}: not a directory")
    return Catalog({entry.code: entry for entry in map(load_entry, entry_files(directory))})
