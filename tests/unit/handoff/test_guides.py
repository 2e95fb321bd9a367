"""The online-submission guides of data/guides: valid, findable, pointing at real procedures."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.handoff.guides import GuideError, load_guides
from core.procedures.catalog import load_catalog
from core.procedures.desk import CATALOG_DIR

GUIDES = load_guides()

QUERIES = [
    ("khai sinh", "khai-sinh"),
    ("Đăng ký khai sinh cho con", "khai-sinh"),
    ("dang ky ket hon", "ket-hon"),
    ("nhập hộ khẩu", "thuong-tru"),
    ("đăng ký thường trú", "thuong-tru"),
    ("tam tru", "tam-tru"),
    ("trích lục kết hôn", "trich-luc"),  # the longer name wins over "kết hôn"
    ("bản sao giấy khai sinh", "trich-luc"),
    ("sao y bản chính", "chung-thuc"),
    ("cấp căn cước", None),
]


def test_there_are_four_to_six_guides_of_several_steps() -> None:
    assert 4 <= len(GUIDES) <= 6
    assert all(len(g.steps) >= 3 for g in GUIDES.guides)


@pytest.mark.parametrize(("query", "guide_id"), QUERIES)
def test_a_guide_is_found_by_its_names(query: str, guide_id: str | None) -> None:
    found = GUIDES.find(query)
    assert (found.id if found else None) == guide_id


def test_every_guide_names_procedures_of_the_catalog() -> None:
    catalog = load_catalog(CATALOG_DIR)
    for guide in GUIDES.guides:
        assert guide.procedure_codes, guide.id
        for code in guide.procedure_codes:
            assert code in catalog or code == "2.000986", (guide.id, code)
        assert GUIDES.for_code(guide.procedure_codes[0]) == guide


def test_a_guide_reads_as_numbered_steps() -> None:
    text = GUIDES.guides[0].text()
    assert text.startswith("Hướng dẫn nộp trực tuyến: ")
    assert "\n1. " in text and "\n2. " in text
    assert "dichvucong.gov.vn" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id: x\ntitle: X\nsteps: [a]\nverified_on: 2026-01-01\nsource: https://a\n", "steps"),
        ("id: x\ntitle: X\nsteps: [a, b]\nsource: https://a\n", "verified_on"),
        ("id: y\ntitle: X\nsteps: [a, b]\nverified_on: 2026-01-01\nsource: https://a\n", "id"),
        (
            "id: x\ntitle: X\nsteps: [a: b, c]\nverified_on: 2026-01-01\nsource: https://a\n",
            "steps.0",
        ),
        ("{not yaml", "unreadable"),
    ],
)
def test_an_invalid_guide_is_refused_naming_the_field(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "x.yml").write_text(content, encoding="utf-8")
    with pytest.raises(GuideError, match=message):
        load_guides(tmp_path)
