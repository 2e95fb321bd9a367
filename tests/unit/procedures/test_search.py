"""Procedure search: folding, abbreviations, folk names, typos, ranking, ambiguity, accuracy."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from core.procedures.search import (
    AMBIGUITY_FLOOR,
    AMBIGUITY_MARGIN,
    ProcedureSearch,
    SearchEntry,
    SearchHit,
    entries_from_raw,
    is_ambiguous,
)
from core.procedures.synonyms import FUNCTION_WORDS, PHRASES, QUESTION_WORDS
from nlu.text import fold

QUERIES = Path(__file__).parents[2] / "fixtures" / "procedure_queries.yml"


def shared_data() -> Path:
    configured = os.environ.get("MOTCUA_SHARED_DATA")
    if configured:
        return Path(configured)
    return Path(__file__).parents[3] / ".." / "shared" / "data"


RAW = shared_data() / "dichvucong-2026" / "raw"
POPULARITY = shared_data() / "dichvucong-popularity" / "congdan_top1000.json"
needs_raw = pytest.mark.skipif(
    not RAW.is_dir(),
    reason=f"the national procedure database is not at {RAW} (set MOTCUA_SHARED_DATA)",
)

# ------------------------------------------------------------------- small catalog

ENTRIES = [
    SearchEntry("1.004194", "Đăng ký tạm trú", popularity=15_539_622, level="Cấp xã"),
    SearchEntry("1.004222", "Đăng ký thường trú", popularity=8_781_419, level="Cấp xã"),
    SearchEntry("1.002755", "Gia hạn tạm trú", popularity=705_135, level="Cấp xã"),
    SearchEntry("2.001159", "Thông báo lưu trú", aliases=("báo khách ở qua đêm",)),
    SearchEntry("2.001194", "Cấp lại thẻ căn cước (thực hiện tại cấp tỉnh)", popularity=577_730),
    SearchEntry("2.001195", "Cấp đổi thẻ căn cước (thực hiện tại cấp tỉnh)", popularity=3_013_321),
    SearchEntry("1.014061", "Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên"),
    SearchEntry("1.014062", "Cấp thẻ căn cước cho người dưới 14 tuổi"),
    SearchEntry("1.001456", "Cấp hộ chiếu phổ thông ở trong nước", popularity=13_870_676),
    SearchEntry("1.001445", "Trình báo mất hộ chiếu phổ thông", popularity=74_078),
    SearchEntry("1.001193", "Thủ tục đăng ký khai sinh", popularity=17_610, field="Hộ tịch"),
    SearchEntry("1.000894", "Thủ tục đăng ký kết hôn", popularity=34_747, field="Hộ tịch"),
    SearchEntry("2.000635", "Cấp bản sao Trích lục hộ tịch, bản sao Giấy khai sinh"),
    SearchEntry("3.000333", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam"),
    SearchEntry("1.012786", "Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất"),
    SearchEntry("1.001612", "Đăng ký thành lập hộ kinh doanh", popularity=2_171_391),
    SearchEntry("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản"),
]


@pytest.fixture(scope="module")
def small() -> ProcedureSearch:
    return ProcedureSearch(ENTRIES)


SEARCH_CASES = [
    pytest.param("đăng ký tạm trú", "1.004194", id="exact-name"),
    pytest.param("ĐĂNG KÝ TẠM TRÚ", "1.004194", id="upper-case"),
    pytest.param("dang ky tam tru", "1.004194", id="no-diacritics"),
    pytest.param("Dang Ky Tam Tru", "1.004194", id="no-diacritics-title-case"),
    pytest.param("dk tam tru", "1.004194", id="abbreviation-dk"),
    pytest.param("đăng kí tạm chú", "1.004194", id="regional-spelling-tr-ch-and-i-y"),
    pytest.param("dang ky tam truuu", "1.004194", id="elongation"),
    pytest.param("gia hạn tạm trú", "1.002755", id="better-match-beats-popularity"),
    pytest.param("hộ khẩu", "1.004222", id="folk-ho-khau"),
    pytest.param("nhap ho khau cho vo", "1.004222", id="folk-nhap-khau"),
    pytest.param("cccd bị mất làm lại", "2.001194", id="abbreviation-cccd-and-lam-lai"),
    pytest.param("cmnd het han doi the", "2.001195", id="cmnd-means-can-cuoc"),
    pytest.param("làm căn cước cho bé 10 tuổi", "1.014062", id="age-under-the-limit"),
    pytest.param("con 15 tuoi lam cccd", "1.014061", id="age-over-the-limit"),
    pytest.param("làm passport", "1.001456", id="loanword-passport"),
    pytest.param("ho chiu", "1.001456", id="typo-corrected-by-context"),
    pytest.param("mất hộ chiếu", "1.001445", id="lost-passport-is-reported"),
    pytest.param("khai sanh cho con", "1.001193", id="typo-then-folk-phrase"),
    pytest.param("dki ket hun", "1.000894", id="abbreviation-and-typo"),
    pytest.param("lylichtuphap", "3.000333", id="words-typed-without-spaces"),
    pytest.param("li lich tu phap", "3.000333", id="i-for-y"),
    pytest.param("sổ đỏ bị mất", "1.012786", id="folk-so-do"),
    pytest.param("giấy phép kinh doanh", "1.001612", id="folk-giay-phep-kinh-doanh"),
    pytest.param("xin gpkd mo quan an", "1.001612", id="abbreviation-gpkd"),
    pytest.param("sao y bản chính", "2.000815", id="folk-sao-y"),
    pytest.param("trich luc khai sinh", "2.000635", id="trich-luc"),
    pytest.param("bao khach o qua dem", "2.001159", id="alias"),
    pytest.param(
        "cho em hỏi làm lại căn cước bị mất cần giấy tờ gì ạ", "2.001194", id="whole-question"
    ),
    pytest.param("thủ tục đăng ký kết hôn mất bao lâu vậy ạ", "1.000894", id="question-words"),
    pytest.param("1.001193", "1.001193", id="procedure-code"),
    pytest.param("hồ sơ 1.001456 cần gì", "1.001456", id="procedure-code-in-text"),
]


@pytest.mark.parametrize(("query", "code"), SEARCH_CASES)
def test_search_finds(small: ProcedureSearch, query: str, code: str) -> None:
    hits = small.search(query)
    assert hits, f"nothing found for {query!r} (terms {small.terms(query)})"
    assert hits[0].code == code, f"{query!r} -> {small.terms(query)} -> {hits[:3]}"


TERMS_CASES = [
    pytest.param(
        "cho em hỏi làm lại căn cước bị mất cần giấy tờ gì ạ",
        ["cap", "lai", "the", "can", "cuoc", "bi", "mat"],
        id="question-words-out",
    ),
    pytest.param("can cuoc", ["the", "can", "cuoc"], id="accentless-can-kept-before-cuoc"),
    pytest.param("cần căn cước", ["the", "can", "cuoc"], id="accented-can-dropped"),
    pytest.param("ban sao giay khai sinh", ["ban", "sao", "giay", "khai", "sinh"], id="ban-sao"),
    pytest.param("bạn ơi sao lâu vậy", [], id="only-function-words"),
    pytest.param("dang ky tam chu", ["dang", "ky", "tam", "tru"], id="pair-repaired"),
    pytest.param("khai sanh", ["khai", "sinh"], id="unknown-word-corrected-in-context"),
    pytest.param("qwxz", [], id="unknown-word-without-evidence-dropped"),
    pytest.param("con 10 tuổi", ["duoi", "14", "tuoi"], id="age-to-bracket"),
    pytest.param("dưới 14 tuổi", ["duoi", "14", "tuoi"], id="bracket-kept"),
    pytest.param("14 ngày", ["14"], id="a-number-without-tuoi-is-no-age"),
]


@pytest.mark.parametrize(("query", "expected"), TERMS_CASES)
def test_terms(small: ProcedureSearch, query: str, expected: list[str]) -> None:
    assert small.terms(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("tam chu", ["tam", "tru"], id="phonetic-variant-with-evidence"),
        pytest.param("chu xe", ["chu", "xe"], id="pair-already-indexed"),
        pytest.param("chu", ["chu"], id="no-neighbour-no-evidence"),
    ],
)
def test_a_known_word_that_pairs_with_nothing_is_repaired(query: str, expected: list[str]) -> None:
    search = ProcedureSearch(
        [
            SearchEntry("1", "Đăng ký tạm trú"),
            SearchEntry("2", "Gia hạn tạm trú"),
            SearchEntry("3", "Xóa đăng ký tạm trú"),
            SearchEntry("4", "Đăng ký thay đổi chủ xe"),
        ]
    )
    assert search.terms(query) == expected


def test_accents_and_case_do_not_change_the_result(small: ProcedureSearch) -> None:
    typed = small.search("Đăng ký thường trú cho con")
    assert small.search(fold("Đăng ký thường trú cho con")) == typed
    assert small.search("ĐĂNG KÝ THƯỜNG TRÚ CHO CON") == typed


@pytest.mark.parametrize("query", ["", "   ", "ạ", "cho em hỏi với ạ", "???", "🙏"])
def test_nothing_to_search_finds_nothing(small: ProcedureSearch, query: str) -> None:
    assert small.search(query) == []


@pytest.mark.parametrize("limit", [0, -1])
def test_no_room_finds_nothing(small: ProcedureSearch, limit: int) -> None:
    assert small.search("tạm trú", limit=limit) == []


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạ ", max_size=40), st.integers(1, 8))
def test_hits_are_ranked_scored_and_unique(query: str, limit: int) -> None:
    hits = ProcedureSearch(ENTRIES).search(query, limit=limit)
    assert len(hits) <= limit
    assert len({h.code for h in hits}) == len(hits)
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_duplicate_codes_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        ProcedureSearch([SearchEntry("1.0", "A"), SearchEntry("1.0", "B")])


def test_an_empty_catalog_finds_nothing() -> None:
    assert ProcedureSearch([]).search("tạm trú") == []


# --------------------------------------------------------------------- popularity


@pytest.mark.parametrize(
    ("province", "central", "first"),
    [
        pytest.param(577_730, 350_001, "2.001194", id="province-used-more"),
        pytest.param(350_001, 577_730, "1.000757", id="central-used-more"),
        pytest.param(0, 10, "1.000757", id="any-usage-beats-unknown"),
    ],
)
def test_popularity_orders_equally_good_matches(province: int, central: int, first: str) -> None:
    search = ProcedureSearch(
        [
            SearchEntry("2.001194", "Cấp lại thẻ căn cước (thực hiện tại cấp tỉnh)", (), province),
            SearchEntry(
                "1.000757", "Cấp lại thẻ căn cước (thực hiện tại cấp trung ương)", (), central
            ),
            SearchEntry("1.004194", "Đăng ký tạm trú", (), 15_539_622),
        ]
    )
    hits = search.search("làm lại căn cước")
    assert hits[0].code == first
    assert {h.code for h in hits[:2]} == {"2.001194", "1.000757"}


def test_popularity_is_only_a_tie_breaker() -> None:
    search = ProcedureSearch(
        [
            SearchEntry("1.004194", "Đăng ký tạm trú", (), 15_539_622),
            SearchEntry("1.002755", "Gia hạn tạm trú", (), 0),
        ]
    )
    assert search.search("gia hạn tạm trú")[0].code == "1.002755"
    assert search.search("tạm trú")[0].code == "1.004194"


# ---------------------------------------------------------------------- ambiguity


def hits(*scores: float) -> list[SearchHit]:
    return [SearchHit(f"1.{i:06d}", f"P{i}", s) for i, s in enumerate(scores)]


@pytest.mark.parametrize(
    ("scores", "ambiguous"),
    [
        pytest.param((), False, id="no-hit"),
        pytest.param((0.9,), False, id="one-hit"),
        pytest.param((0.8, 0.76), True, id="within-10-percent"),
        pytest.param((1.0, 0.9), True, id="exactly-10-percent"),
        pytest.param((0.8, 0.7), False, id="more-than-10-percent"),
        pytest.param((0.8, 0.8, 0.8), True, id="three-equal"),
        pytest.param((AMBIGUITY_FLOOR - 0.01, AMBIGUITY_FLOOR - 0.02), False, id="both-weak"),
        pytest.param((0.37, AMBIGUITY_FLOOR - 0.001), False, id="second-below-floor"),
        pytest.param((0.37, AMBIGUITY_FLOOR), True, id="second-at-floor"),
    ],
)
def test_is_ambiguous(scores: tuple[float, ...], ambiguous: bool) -> None:
    assert is_ambiguous(hits(*scores)) is ambiguous


def test_ambiguity_margin_is_ten_percent() -> None:
    assert AMBIGUITY_MARGIN == 0.10


@pytest.mark.parametrize(
    ("query", "ambiguous"),
    [
        pytest.param("căn cước", True, id="which-card-procedure"),
        pytest.param("đăng ký tạm trú", False, id="clear"),
        pytest.param("gia hạn tạm trú", False, id="clear-despite-popular-neighbour"),
    ],
)
def test_search_results_ambiguity(small: ProcedureSearch, query: str, ambiguous: bool) -> None:
    assert is_ambiguous(small.search(query)) is ambiguous


# --------------------------------------------------------------------- vocabulary


@pytest.mark.parametrize("phrase", sorted(PHRASES))
def test_phrase_table_is_folded(phrase: str) -> None:
    replacement = PHRASES[phrase]
    assert phrase == fold(phrase) and phrase.isascii()
    assert replacement == fold(replacement) and replacement.isascii()
    assert phrase.split() and " ".join(phrase.split()) == phrase
    assert " ".join(replacement.split()) == replacement


def test_function_words_are_accented_lowercase_words() -> None:
    for word in FUNCTION_WORDS | QUESTION_WORDS:
        assert word == word.lower() and " " not in word


# -------------------------------------------------------------- raw database files


def write_raw(directory: Path, ministry: str, record: dict[str, Any]) -> None:
    (directory / ministry).mkdir(parents=True, exist_ok=True)
    path = directory / ministry / f"{record['ma_thu_tuc']}.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


def test_entries_from_raw(tmp_path: Path) -> None:
    write_raw(
        tmp_path,
        "bo-tu-phap",
        {"ma_thu_tuc": "1.001193", "ten_thu_tuc": "Thủ tục đăng ký khai sinh",
         "cap_thuc_hien": "Cấp xã", "linh_vuc": "Hộ tịch", "raw_text": "…"},
    )  # fmt: skip
    write_raw(
        tmp_path,
        "bo-cong-an",
        {"ma_thu_tuc": "1.004194", "ten_thu_tuc": "Đăng ký\ntạm  trú ",
         "cap_thuc_hien": "", "linh_vuc": "Đăng ký, quản lý cư trú"},
    )  # fmt: skip
    (tmp_path / "README.md").write_text("not a procedure", encoding="utf-8")
    entries = entries_from_raw(tmp_path, {"1.004194": 15_539_622})
    assert entries == [
        SearchEntry("1.004194", "Đăng ký tạm trú", (), 15_539_622, None, "Đăng ký, quản lý cư trú"),
        SearchEntry("1.001193", "Thủ tục đăng ký khai sinh", (), 0, "Cấp xã", "Hộ tịch"),
    ]


# ------------------------------------------------------------------- query set


def load_queries() -> list[tuple[str, list[str]]]:
    data = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    out = []
    for item in data["queries"]:
        expect = item["expect"]
        out.append((item["q"], [expect] if isinstance(expect, str) else list(expect)))
    return out


def without_diacritics(query: str) -> bool:
    return fold(query) == query.lower()


def test_query_set_shape() -> None:
    queries = load_queries()
    assert len(queries) >= 150
    assert len({q for q, _ in queries}) == len(queries), "duplicate queries"
    assert sum(without_diacritics(q) for q, _ in queries) * 3 >= len(queries)
    for query, codes in queries:
        assert codes and all(isinstance(c, str) for c in codes), query


@pytest.fixture(scope="module")
def national() -> ProcedureSearch:
    popularity: dict[str, int] = {}
    if POPULARITY.is_file():
        for row in json.loads(POPULARITY.read_text(encoding="utf-8")):
            popularity[row["TTHC_MA"]] = int(row["WEIGHT"])
    return ProcedureSearch(entries_from_raw(RAW, popularity))


@needs_raw
def test_every_expected_code_exists() -> None:
    known = {path.stem for path in RAW.glob("*/*.json")}
    missing = {c for _, codes in load_queries() for c in codes} - known
    assert not missing


@needs_raw
def test_accuracy_on_the_query_set(national: ProcedureSearch) -> None:
    assert len(national) == len(list(RAW.glob("*/*.json")))
    queries = load_queries()
    top1 = [national.search(q, limit=1) for q, _ in queries]
    right = [bool(h) and h[0].code in codes for h, (_, codes) in zip(top1, queries, strict=True)]
    plain = [without_diacritics(q) for q, _ in queries]
    misses = [q for (q, _), ok in zip(queries, right, strict=True) if not ok]
    overall = sum(right) / len(queries)
    no_diacritics = sum(r for r, p in zip(right, plain, strict=True) if p) / sum(plain)
    assert overall >= 0.90, f"top-1 {overall:.3f}; misses: {misses}"
    assert no_diacritics >= 0.85, f"top-1 without diacritics {no_diacritics:.3f}; {misses}"


@needs_raw
def test_scores_stay_in_range_on_the_national_catalog(national: ProcedureSearch) -> None:
    for query, _ in load_queries():
        for hit in national.search(query, limit=10):
            assert 0.0 <= hit.score <= 1.0 and not math.isnan(hit.score)
