"""Answers to procedure questions: which procedure a citizen means, then the short answer.

The catalog (curated entries with answers) comes from the database once `motcua
import-procedures` has loaded it, else straight from `data/procedures/`; the search covers
every procedure of the national database (`data/procedures/index.json`), so a question
about a procedure without a curated entry still gets its official name and where to read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine, select

from core.procedures.catalog import Catalog, CatalogEntry, load_catalog
from core.procedures.search import ProcedureSearch, SearchEntry, SearchHit, is_ambiguous
from core.procedures.tables import ProcedureRow

CATALOG_DIR = Path(__file__).resolve().parents[2] / "data" / "procedures"
PORTAL_URL = "https://dichvucong.gov.vn"
MIN_SCORE = 0.35
# Words of the question itself: a message made only of these names no procedure ("còn lệ phí
# thì sao?"), so the procedure of the previous turn stays.
TOPIC_WORDS = frozenset(
    {
        "giay", "to", "le", "phi", "thoi", "gian", "giai", "quyet", "han", "tien", "ngay",
        "lau", "thanh", "phan", "mau", "don", "ho", "so", "can", "mang", "bao", "nhieu",
        "mat", "het",
    }
)  # fmt: skip


class Topic(StrEnum):
    REQUIRED_DOCUMENTS = "ask_required_documents"
    PROCESSING_TIME = "ask_processing_time"
    FEE = "ask_fee"


TOPIC_NAMES = {
    Topic.REQUIRED_DOCUMENTS: "giấy tờ cần chuẩn bị",
    Topic.PROCESSING_TIME: "thời gian giải quyết",
    Topic.FEE: "lệ phí",
}


@dataclass(frozen=True, slots=True)
class Choice:
    title: str
    code: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    procedure_code: str | None = None
    choices: tuple[Choice, ...] = ()


def _short(name: str, limit: int = 60) -> str:
    name = name.rstrip(".")
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


class ProcedureDesk:
    def __init__(self, catalog: Catalog, index: list[SearchEntry]) -> None:
        self.catalog = catalog
        by_code = {e.code: e for e in index}
        for entry in catalog:  # curated aliases (folk names) join the search
            base = by_code.get(entry.code)
            by_code[entry.code] = SearchEntry(
                code=entry.code,
                name=entry.name,
                aliases=tuple(entry.aliases),
                popularity=max(entry.popularity, base.popularity if base else 0),
                level=base.level if base else None,
                field=entry.field,
            )
        self.names = {code: e.name for code, e in by_code.items()}
        self.search = ProcedureSearch(list(by_code.values()))

    @classmethod
    def load(cls, *, engine: Engine | None = None, directory: Path = CATALOG_DIR) -> ProcedureDesk:
        catalog = None
        if engine is not None:
            with engine.connect() as conn:
                payloads: list[dict[str, object]] = list(
                    conn.execute(select(ProcedureRow.payload)).scalars().all()
                )
            if payloads:
                entries = [CatalogEntry.model_validate(p) for p in payloads]
                catalog = Catalog({e.code: e for e in entries})
        if catalog is None:
            catalog = load_catalog(directory)
        raw = json.loads((directory / "index.json").read_text(encoding="utf-8"))
        index = [
            SearchEntry(
                code=p["code"],
                name=p["name"],
                popularity=int(p.get("popularity") or 0),
                level=p.get("level"),
                field=p.get("field"),
            )
            for p in raw["procedures"]
        ]
        return cls(catalog, index)

    def find(self, text: str) -> list[SearchHit]:
        hits = [h for h in self.search.search(text, limit=4) if h.score >= MIN_SCORE]
        return hits

    def answer(self, topic: Topic, *, text: str, remembered: str | None) -> Reply:
        """The answer for `topic`, about the procedure `text` names or else the remembered one."""
        names_one = any(t not in TOPIC_WORDS for t in self.search.terms(text))
        hits = self.find(text) if names_one and not text.startswith("/") else []
        if hits and is_ambiguous(hits):
            choices = tuple(Choice(_short(h.name), h.code) for h in hits[:3])
            return Reply(
                "Dạ, ông/bà hỏi về thủ tục nào ạ? Ông/bà chọn một trong các thủ tục dưới đây.",
                choices=choices,
            )
        code = hits[0].code if hits else remembered
        if code is None:
            return Reply(
                f"Dạ, ông/bà cho tôi biết tên thủ tục để tôi báo {TOPIC_NAMES[topic]}, ví dụ: "
                '"đăng ký khai sinh", "cấp căn cước", "đăng ký kết hôn".'
            )
        return self.answer_for(topic, code)

    def answer_for(self, topic: Topic, code: str) -> Reply:
        entry = self.catalog.get(code)
        if entry is None:
            name = self.names.get(code, code)
            return Reply(
                f'Dạ, thủ tục "{_short(name, 120)}" (mã {code}) tôi chưa có thông tin chi tiết. '
                f"Ông/bà xem tại Cổng Dịch vụ công quốc gia {PORTAL_URL} (tìm theo mã {code}) "
                "hoặc hỏi cán bộ bộ phận Một Cửa.",
                procedure_code=code,
            )
        answers = entry.answers
        body = {
            Topic.REQUIRED_DOCUMENTS: answers.required_documents,
            Topic.PROCESSING_TIME: answers.processing_time,
            Topic.FEE: answers.fee,
        }[topic]
        header = (
            ""
            if _short(entry.name, 200).lower() in body.lower()
            else f"[{_short(entry.name, 90)}]\n"
        )
        return Reply(
            f"{header}{body}\n{answers.details_label}: {answers.details_url}", procedure_code=code
        )
