"""Step-by-step guides to submitting the most-used procedures online (`data/guides/*.yml`),
which a volunteer forwards to a citizen with `/huongdan <tên>`.

Each file: `id`, `title`, `aliases`, `procedure_codes` (official codes the guide covers),
`verified_on`, `source`, `steps` and `notes`. An invalid file stops the load with an error
naming the file and the field.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nlu.text import fold, nfc

GUIDES_DIR = Path(__file__).resolve().parents[2] / "data" / "guides"
_NON_WORD = re.compile(r"[\W_]+")


class GuideError(Exception):
    """A guide file is unreadable or invalid; the message names the file and the field."""


class OnlineGuide(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    title: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    procedure_codes: tuple[str, ...] = ()
    verified_on: date
    source: str = Field(pattern=r"^https://")
    steps: tuple[str, ...] = Field(min_length=2)
    notes: tuple[str, ...] = ()

    def text(self) -> str:
        """The guide as one message, ready to forward."""
        lines = [f"Hướng dẫn nộp trực tuyến: {self.title}"]
        lines += [f"{n}. {step}" for n, step in enumerate(self.steps, start=1)]
        if self.notes:
            lines.append("Lưu ý:")
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines)


def _key(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", fold(nfc(text)).lower()).split())


class Guides:
    def __init__(self, guides: list[OnlineGuide]) -> None:
        self.guides = tuple(guides)
        self._by_code = {code: g for g in guides for code in g.procedure_codes}

    def __len__(self) -> int:
        return len(self.guides)

    def for_code(self, code: str) -> OnlineGuide | None:
        return self._by_code.get(code)

    def find(self, query: str) -> OnlineGuide | None:
        """The guide whose title or an alias the query names (accent-insensitive); the
        longest name found wins."""
        wanted = f" {_key(query)} "
        best: tuple[int, OnlineGuide] | None = None
        for guide in self.guides:
            for name in (guide.title, *guide.aliases):
                key = _key(name)
                named = key and (f" {key} " in wanted or wanted.strip() == key)
                if named and (best is None or len(key) > best[0]):
                    best = (len(key), guide)
        return best[1] if best else None

    def titles(self) -> list[str]:
        return [g.title for g in self.guides]


def load_guides(directory: Path = GUIDES_DIR) -> Guides:
    guides: list[OnlineGuide] = []
    for path in sorted(directory.glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            guides.append(OnlineGuide.model_validate(data))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise GuideError(f"{path.name}: unreadable: {exc}") from exc
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(file)"
            raise GuideError(f"{path.name}: {where}: {first['msg']}") from exc
        if guides[-1].id != path.stem:
            raise GuideError(f"{path.name}: id: should be {path.stem!r}")
    return Guides(guides)
