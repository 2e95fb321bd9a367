"""Reception offices (nơi tiếp nhận hồ sơ): the provincial centre and the ward/commune one-stop
counters, with the old names citizens still use (`data/offices/offices.yml`).

The file is validated on load: an invalid entry stops the load with an error naming the entry
and the field. `OfficeDirectory.find` recognises the office a message names, with or without
diacritics; `answer` is the short reply with address, hours and phone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from core.procedures.models import Frozen
from nlu.text import fold, nfc

OFFICES_FILE = Path(__file__).resolve().parents[1] / "data" / "offices" / "offices.yml"
MAX_SUGGESTED = 4

_NON_WORD = re.compile(r"[\W_]+")
_TIME_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_PHONE = re.compile(r"^[0-9][0-9 .]{7,18}[0-9]$")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The local unit a one-stop counter serves, at the end of its name: "… UBND phường Bãi Cháy".
_PLACE = re.compile(r"\b((?:phường|xã|đặc khu|thị trấn)\s+(.+))$", re.IGNORECASE)


class OfficeKind(StrEnum):
    PROVINCE = "province"
    COMMUNE = "commune"  # commune level: phường, xã, đặc khu


class TimeRange(Frozen):
    """Written "07:30-11:30" in the file."""

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        m = _TIME_RANGE.match(value)
        if m is None:
            raise ValueError(f'expected "HH:MM-HH:MM", got {value!r}')
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"not a time of day: {value!r}")
        return {"start": time(h1, m1), "end": time(h2, m2)}

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.start >= self.end:
            raise ValueError("the range ends before it starts")
        return self

    def text(self) -> str:
        """ "7h30–11h30"."""
        return f"{_clock(self.start)}–{_clock(self.end)}"


def _clock(t: time) -> str:
    return f"{t.hour}h{t.minute:02d}"


class Hours(Frozen):
    """Monday to Friday morning and afternoon; Saturday morning when the office opens then."""

    morning: TimeRange
    afternoon: TimeRange
    saturday: TimeRange | None = None

    @model_validator(mode="after")
    def _morning_first(self) -> Hours:
        if self.morning.end > self.afternoon.start:
            raise ValueError("the morning ends after the afternoon starts")
        return self

    def text(self) -> str:
        weekdays = f"thứ Hai đến thứ Sáu, sáng {self.morning.text()}, chiều {self.afternoon.text()}"
        if self.saturday is None:
            return f"{weekdays}; nghỉ thứ Bảy, Chủ nhật và ngày lễ"
        return f"{weekdays}; sáng thứ Bảy {self.saturday.text()}; nghỉ Chủ nhật và ngày lễ"


class Office(Frozen):
    id: str
    kind: OfficeKind
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    address: str = Field(min_length=1)
    hours: Hours
    phone: str
    suggested: bool = False  # offered as a button when the citizen names no office

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("lowercase letters, digits and hyphens only, e.g. bai-chay")
        return value

    @field_validator("name", "address", "phone")
    @classmethod
    def _nfc(cls, value: str) -> str:
        return " ".join(nfc(value).split())

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(" ".join(nfc(a).split()) for a in value)
        for alias in cleaned:
            if not _normalize(alias):
                raise ValueError("an alias is empty")
        return cleaned

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not _PHONE.match(value):
            raise ValueError(f"not a phone number: {value!r}")
        return value

    @property
    def place(self) -> str | None:
        """The local unit it serves, "phường Bãi Cháy"; None for the provincial centre."""
        m = _PLACE.search(self.name) if self.kind is OfficeKind.COMMUNE else None
        return m.group(1) if m else None

    @property
    def title(self) -> str:
        """A button title: "Phường Bãi Cháy"."""
        place = self.place or self.name
        return place[:1].upper() + place[1:]

    def names(self) -> tuple[str, ...]:
        """Every way a message may name it: the name, the unit ("phường Bãi Cháy"), the bare
        place ("Bãi Cháy") and the aliases."""
        m = _PLACE.search(self.name) if self.kind is OfficeKind.COMMUNE else None
        derived = (m.group(1), m.group(2)) if m else ()
        return (self.name, *derived, *self.aliases)


class OfficeError(Exception):
    """The offices file is unreadable or invalid; the message names the entry and the field."""


def _normalize(text: str) -> str:
    """NFC, lowercase, punctuation to spaces, single spaces."""
    return " ".join(_NON_WORD.sub(" ", nfc(text).lower()).split())


def _compatible(typed: str, key: str) -> bool:
    """Each typed letter is the key's letter or the same letter without its diacritics: "bai
    cháy" names "bãi cháy"; "có tờ" does not name "cô tô"."""
    return all(t == k or t == fold(k) for t, k in zip(typed, key, strict=True))


class OfficeDirectory:
    def __init__(self, offices: list[Office]) -> None:
        self.offices = tuple(offices)
        self._by_id = {o.id: o for o in offices}
        self._keys: list[tuple[Office, str, str]] = []  # office, normalized key, folded key
        for office in offices:
            seen: set[str] = set()
            for key in office.names():
                norm = _normalize(key)
                if norm and norm not in seen:
                    seen.add(norm)
                    self._keys.append((office, norm, fold(norm)))
        provinces = [o for o in offices if o.kind is OfficeKind.PROVINCE]
        self.province = provinces[0]

    def __iter__(self) -> Iterator[Office]:
        return iter(self.offices)

    def __len__(self) -> int:
        return len(self.offices)

    def get(self, office_id: str) -> Office | None:
        return self._by_id.get(office_id)

    @property
    def suggested(self) -> tuple[Office, ...]:
        return tuple(o for o in self.offices if o.suggested)

    def find(self, text: str) -> list[Office]:
        """The offices a message names. A name or alias counts when it appears as whole words,
        accent- and case-insensitively; the longest one found wins ("xã Hạ Long" over "Hạ
        Long"). Several offices come back only when they share that longest name."""
        typed = _normalize(text)
        folded = fold(typed)
        strict = len(folded) == len(typed)  # positions of the two line up
        haystack = f" {folded} "
        best: dict[str, int] = {}
        for office, key, key_folded in self._keys:
            needle = f" {key_folded} "
            start = haystack.find(needle)
            while start >= 0:
                span = typed[start : start + len(key)]
                if not strict or len(key) != len(key_folded) or _compatible(span, key):
                    best[office.id] = max(best.get(office.id, 0), len(key_folded))
                    break
                start = haystack.find(needle, start + 1)
        if not best:
            return []
        longest = max(best.values())
        return [o for o in self.offices if best.get(o.id) == longest]

    def by_name(self, name: str) -> Office | None:
        """The office a dossier's `office` string names: its name or an alias exactly, else the
        single office `find` recognises in it."""
        wanted = fold(_normalize(name))
        for office, _, key_folded in self._keys:
            if key_folded == wanted:
                return office
        found = self.find(name)
        return found[0] if len(found) == 1 else None


def answer(office: Office) -> str:
    """Address, hours and phone, for a phone screen."""
    return (
        f"Dạ, {office.name}:\n"
        f"- Địa chỉ: {office.address}\n"
        f"- Giờ làm việc: {office.hours.text()}\n"
        f"- Điện thoại: {office.phone}"
    )


def _fail(path: Path, entry: str, exc: ValidationError) -> OfficeError:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(entry)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return OfficeError(f"{path.name}: {entry}: {where}: {first['msg']}{more}")


def load_offices(path: Path = OFFICES_FILE) -> OfficeDirectory:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise OfficeError(f"{path.name}: unreadable: {exc}") from exc
    raw = data.get("offices") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise OfficeError(f"{path.name}: offices: expected a list of offices")
    offices: list[Office] = []
    for number, item in enumerate(raw, start=1):
        label = f"entry {number}"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            label += f" ({item['id']})"
        try:
            offices.append(Office.model_validate(item))
        except ValidationError as exc:
            raise _fail(path, label, exc) from exc
    ids: set[str] = set()
    names: set[str] = set()
    for office in offices:
        if office.id in ids:
            raise OfficeError(f"{path.name}: {office.id}: id: used by two entries")
        if fold(_normalize(office.name)) in names:
            raise OfficeError(f"{path.name}: {office.id}: name: used by two entries")
        ids.add(office.id)
        names.add(fold(_normalize(office.name)))
        if office.kind is OfficeKind.COMMUNE and office.place is None:
            raise OfficeError(
                f"{path.name}: {office.id}: name: should end with the unit it serves, "
                '"… phường X", "… xã X" or "… đặc khu X"'
            )
    provinces = [o.id for o in offices if o.kind is OfficeKind.PROVINCE]
    if len(provinces) != 1:
        raise OfficeError(f"{path.name}: kind: exactly one province entry, found {len(provinces)}")
    suggested = [o.id for o in offices if o.suggested]
    if len(suggested) > MAX_SUGGESTED:
        raise OfficeError(
            f"{path.name}: suggested: at most {MAX_SUGGESTED} offices, found {len(suggested)}"
        )
    return OfficeDirectory(offices)
