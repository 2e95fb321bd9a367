"""The reception offices `data/offices/offices.yml`: valid, found the way citizens name them."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from core.offices import (
    OFFICES_FILE,
    Office,
    OfficeDirectory,
    OfficeError,
    OfficeKind,
    answer,
    load_offices,
)

ROOT = Path(__file__).resolve().parents[2]
DIRECTORY = load_offices()
RAW: dict[str, Any] = yaml.safe_load(OFFICES_FILE.read_text(encoding="utf-8"))


def ids(found: list[Office]) -> list[str]:
    return [o.id for o in found]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("phường Bãi Cháy", ["bai-chay"]),
        ("bai chay", ["bai-chay"]),
        ("UBND phuong bai chay mấy giờ mở cửa", ["bai-chay"]),
        ("BỘ PHẬN MỘT CỬA BÃI CHÁY Ở ĐÂU", ["bai-chay"]),
        ("một cửa bai cháy ở đâu", ["bai-chay"]),  # some diacritics left out
        (unicodedata.normalize("NFD", "phường Bãi Cháy"), ["bai-chay"]),
        ("ubnd p.bãi cháy", ["bai-chay"]),
        # old names resolve to the merged office
        ("phường Giếng Đáy mấy giờ làm việc", ["bai-chay"]),
        ("phuong hong hai o dau", ["hong-gai"]),
        ("một cửa phường Trần Hưng Đạo cũ", ["hong-gai"]),
        ("trung tâm hành chính công thành phố Hạ Long nằm ở đường nào", ["hong-gai"]),
        ("tp. hạ long", ["hong-gai"]),
        ("một cửa huyện Hoành Bồ", ["hoanh-bo"]),
        ("số điện thoại liên hệ của một cửa huyện Vân Đồn", ["van-don"]),
        ("thi xa dong trieu", ["dong-trieu"]),
        ("ở Móng Cái bộ phận một cửa nằm đâu", ["mong-cai-1"]),
        ("ở Cẩm Phả thì làm thủ tục ở đâu", ["cam-pha"]),
        ("thi tran tien yen", ["tien-yen"]),
        # the longest name wins
        ("xã Hạ Long", ["van-don"]),
        ("phường Hạ Long", ["ha-long"]),
        ("phường Móng Cái 1", ["mong-cai-1"]),
        ("bãi cháy, hạ long", ["bai-chay"]),
        # the provincial centre
        ("trung tâm hành chính công tỉnh ở đâu", ["tinh"]),
        ("dia chi trung tam hcc quang ninh", ["tinh"]),
        # no office named
        ("bộ phận một cửa phường mấy giờ mở cửa", []),
        ("mấy giờ mở cửa", []),
        ("trung tâm hành chính công ở đâu", []),
        ("thủ tục này có tờ khai không", []),  # "có tờ" is not Cô Tô
        ("co to khai khong", ["co-to"]),  # without diacritics it could be
        ("cô tô", ["co-to"]),
        ("phường Cẩm Phảy", []),  # whole words only
        ("", []),
    ],
)
def test_find(message: str, expected: list[str]) -> None:
    assert ids(DIRECTORY.find(message)) == expected


def test_a_name_shared_by_several_offices_returns_them_all() -> None:
    offices = [
        o.model_copy(update={"aliases": (*o.aliases, "huyện Cũ")})
        for o in DIRECTORY
        if o.id in {"ha-tu", "cao-xanh"}
    ]
    directory = OfficeDirectory([DIRECTORY.province, *offices])
    assert ids(directory.find("một cửa huyện cũ ở đâu")) == ["ha-tu", "cao-xanh"]
    assert ids(directory.find("phường Hà Tu, huyện cũ")) == ["ha-tu"]


def dossier_offices() -> list[str]:
    with (ROOT / "data" / "demo" / "dossiers.csv").open(encoding="utf-8") as f:
        return sorted({row["office"] for row in csv.DictReader(f) if row["office"]})


@pytest.mark.parametrize("office", dossier_offices())
def test_every_demo_dossier_office_resolves_to_its_entry(office: str) -> None:
    found = DIRECTORY.by_name(office)
    assert found is not None
    assert found.name == office


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Bộ phận một cửa UBND phường Hồng Gai", "hong-gai"),
        ("bo phan mot cua ubnd phuong hong gai", "hong-gai"),
        ("Bộ phận một cửa UBND thành phố Hạ Long", "hong-gai"),  # an old dossier
        ("Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh", "tinh"),
        ("Bộ phận một cửa UBND huyện Bình Liêu", None),
        ("", None),
    ],
)
def test_by_name(name: str, expected: str | None) -> None:
    found = DIRECTORY.by_name(name)
    assert (found.id if found else None) == expected


def test_the_demo_directory_covers_the_province() -> None:
    communes = [o for o in DIRECTORY if o.kind is OfficeKind.COMMUNE]
    assert DIRECTORY.province.name == "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh"
    assert len(communes) >= 12
    assert all(o.aliases for o in communes), "old names are kept as aliases"
    assert 1 <= len(DIRECTORY.suggested) <= 4
    assert "DEMO DATA" in OFFICES_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert "DEMO DATA" in (OFFICES_FILE.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("office", list(DIRECTORY), ids=lambda o: o.id)
def test_answer_gives_address_hours_and_phone(office: Office) -> None:
    text = answer(office)
    assert text.startswith(f"Dạ, {office.name}")
    assert office.address in text
    assert office.phone in text
    assert "thứ Hai đến thứ Sáu" in text
    assert ("sáng thứ Bảy" in text) == (office.hours.saturday is not None)
    assert len(text) <= 400
    assert DIRECTORY.find(office.name) == [office]


def test_answer_text() -> None:
    bai_chay = DIRECTORY.get("bai-chay")
    assert bai_chay is not None
    assert answer(bai_chay) == (
        "Dạ, Bộ phận một cửa UBND phường Bãi Cháy:\n"
        "- Địa chỉ: Số 1 đường Hạ Long, phường Bãi Cháy, tỉnh Quảng Ninh\n"
        "- Giờ làm việc: thứ Hai đến thứ Sáu, sáng 7h30–11h30, chiều 13h30–17h00; "
        "sáng thứ Bảy 7h30–11h30; nghỉ Chủ nhật và ngày lễ\n"
        "- Điện thoại: 0203 3 000 103"
    )
    assert bai_chay.title == "Phường Bãi Cháy"


def write(tmp_path: Path, offices: list[dict[str, Any]]) -> Path:
    path = tmp_path / "offices.yml"
    path.write_text(yaml.safe_dump({"offices": offices}, allow_unicode=True), encoding="utf-8")
    return path


def entry(index: int, **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = dict(RAW["offices"][index])
    for key, value in changes.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    return item


@pytest.mark.parametrize(
    ("offices", "error"),
    [
        ([entry(0), entry(1, hours={"morning": "7h30", "afternoon": "13:30-17:00"})],
         "entry 2 (hong-gai): hours.morning"),
        ([entry(0), entry(1, hours={"morning": "11:30-07:30", "afternoon": "13:30-17:00"})],
         "entry 2 (hong-gai): hours.morning"),
        ([entry(0), entry(1, hours={"morning": 450, "afternoon": "13:30-17:00"})],
         "entry 2 (hong-gai): hours.morning"),
        ([entry(0), entry(1, phone="gọi trung tâm")], "entry 2 (hong-gai): phone"),
        ([entry(0), entry(1, id="Hồng Gai")], "entry 2 (Hồng Gai): id"),
        ([entry(0), entry(1, address=None)], "entry 2 (hong-gai): address"),
        ([entry(0), entry(1, kind="district")], "entry 2 (hong-gai): kind"),
        ([entry(0), entry(1, website="x")], "entry 2 (hong-gai): website"),
        ([entry(0), entry(1, aliases=["  "])], "entry 2 (hong-gai): aliases"),
        ([entry(0), entry(1), entry(2, id="hong-gai")], "hong-gai: id: used by two entries"),
        ([entry(0), entry(1, name="Bộ phận một cửa UBND")], "hong-gai: name: should end"),
        ([entry(1)], "exactly one province entry, found 0"),
        ([entry(0), entry(1, kind="province")], "exactly one province entry, found 2"),
        ([entry(0), *(entry(i, suggested=True) for i in range(1, 6))], "suggested: at most 4"),
        ([], "offices: expected a list"),
    ],
)  # fmt: skip
def test_a_bad_file_names_the_entry_and_the_field(
    tmp_path: Path, offices: list[dict[str, Any]], error: str
) -> None:
    with pytest.raises(OfficeError, match=r"offices\.yml: ") as raised:
        load_offices(write(tmp_path, offices))
    assert error in str(raised.value)


def test_an_unreadable_file_is_an_office_error(tmp_path: Path) -> None:
    path = tmp_path / "offices.yml"
    path.write_text("offices: [unclosed", encoding="utf-8")
    with pytest.raises(OfficeError, match="unreadable"):
        load_offices(path)
    with pytest.raises(OfficeError, match="unreadable"):
        load_offices(tmp_path / "missing.yml")


def test_offices_are_frozen() -> None:
    with pytest.raises(ValidationError):
        DIRECTORY.province.phone = "0"  # type: ignore[misc]
