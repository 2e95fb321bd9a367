"""Parser of the national procedure database's raw records (dichvucong.gov.vn, crawled in 2026).

A record is one JSON object per procedure (fields `ma_thu_tuc`, `ten_thu_tuc`, `cap_thuc_hien`,
`cach_thuc_thuc_hien`, `thanh_phan_ho_so`, …, `raw_text`). The crawler flattened the page's HTML
tables, so cells run together without separators:

    Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp20 Ngày làm việcKhông có thông tin…
    --Tên giấy tờMẫu đơn, tờ khaiSố lượng- Giấy chứng sinh; …1 bản chính

`parse_record(raw)` returns typed values plus every problem it met (`Issue`): a field that is
missing, ambiguous or suspicious is reported, never silently dropped. `parse_directory(path)`
parses a whole tree and counts the issues by kind.

The official code: the file name and `ma_thu_tuc` are the code the crawler asked for; the
page's own "Mã thủ tục" (inside `raw_text`) is the code of the page it actually got. In the
2026 crawl they disagree in 17 files, and in each of them the name, the content and the
`detail_url` belong to the page's code (the same `detail_url` is shared by every file that got
that page, and the popularity list names the requested code differently). So `Procedure.code`
is the page's code, and the disagreement is reported as a `code_mismatch` issue.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.procedures.models import (
    Channel,
    ChannelOption,
    DocumentCase,
    Fee,
    FeeKind,
    Issue,
    LegalDocument,
    Money,
    ParseResult,
    Procedure,
    ProcedureResult,
    RequiredDocument,
    TimeLimit,
    TimeUnit,
)

NO_INFO = "Không có thông tin"
CODE_RE = re.compile(r"^\d+\.\d{6}$")

# --------------------------------------------------------------------------------------------
# Text normalization


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"))


def normalize(text: str) -> str:
    """NFC, no invisible characters, Word's private-use bullet glyphs as spaces, no NBSP."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = "".join(" " if "\ue000" <= ch <= "\uf8ff" else ch for ch in text)
    return text.replace("\xa0", " ")


def squash(text: str) -> str:
    """Normalized, one space between words, no surrounding blanks."""
    return re.sub(r"\s+", " ", normalize(text)).strip()


def _optional(text: str) -> str | None:
    value = squash(text)
    return None if value in ("", NO_INFO) else value


# --------------------------------------------------------------------------------------------
# Channels × time limit × fee ("Cách thức thực hiện")

CHANNEL_TABLE_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
CHANNEL_NAMES: dict[str, Channel] = {
    "Trực tiếp": Channel.IN_PERSON,
    "Trực tuyến": Channel.ONLINE,
    "Dịch vụ bưu chính": Channel.POSTAL,
}
TIME_UNITS: dict[str, TimeUnit] = {
    "ngày làm việc": TimeUnit.WORKING_DAY,
    "ngày": TimeUnit.DAY,
    "giờ": TimeUnit.HOUR,
    "tháng": TimeUnit.MONTH,
    "năm": TimeUnit.YEAR,
}
CURRENCIES: dict[str, str] = {
    "việt nam đồng": "VND",
    "vnđ": "VND",
    "đồng": "VND",
    "usd": "USD",
}
_AMOUNT = r"[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*"
_CURRENCY = r"Việt Nam Đồng|VNĐ|USD|Đồng|đồng"
_FEE = rf"Miễn phí|{NO_INFO}|(?:{_AMOUNT}) ?(?:{_CURRENCY})"
# A time cell: a number with its unit; "Không có thông tin"; the few sentences the portal puts
# in that cell; or a bare number, which is kept lazy so that a bare number fused with an amount
# ("120 VNĐ") splits into the shortest time and the longest amount (checked against the notes:
# "120 VNĐ(20.000 vnđ/tờ khai)" is 1 + 20).
_TIME = (
    r"\d+(?:[.,]\d+)? ?(?:Ngày làm việc|Ngày|Giờ|Tháng|Năm)"
    rf"|{NO_INFO}"
    r"|Không phải trả kết quả[^()]{0,80}?"
    r"|Không quy định"
    r"|Hệ thống giải quyết[^()]{0,160}?"
    r"|Không ?"
    r"|\d+?"
)
CHANNEL_ROW_RE = re.compile(
    r"(?P<channel>Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?P<time>"
    + _TIME
    + r")(?P<fee>"
    + _FEE
    + ")"
)
TIME_RE = re.compile(
    r"^(?P<value>\d+(?:[.,]\d+)?) ?(?P<unit>Ngày làm việc|Ngày|Giờ|Tháng|Năm)?$", re.IGNORECASE
)
AMOUNT_RE = re.compile(rf"^(?P<amount>{_AMOUNT}) ?(?P<currency>{_CURRENCY})$")
NOTE_AMOUNT_RE = re.compile(r"\d{1,3}(?:[.,]\d{3})+\s*(?:đ|đồng|Đồng|VNĐ|vnđ)|\d+\s*USD")


def parse_time_limit(text: str) -> TimeLimit:
    """ "20 Ngày làm việc" → 20 working days; "1.5 Ngày làm việc" → 1.5; "3" → 3 of no unit;
    anything else (e.g. "Không có thông tin") → text only."""
    text = squash(text)
    match = TIME_RE.match(text)
    if not match:
        return TimeLimit(text=text)
    number = match["value"].replace(",", ".")
    value: int | float = float(number) if "." in number else int(number)
    unit = TIME_UNITS[match["unit"].lower()] if match["unit"] else None
    return TimeLimit(text=text, value=value, unit=unit)


def parse_fee(text: str, note: str | None = None) -> Fee:
    """ "Miễn phí" → free; "Không có thông tin" → no info;
    "2,000,000 Việt Nam Đồng" → 2000000 VND."""
    text = squash(text)
    if text == "Miễn phí":
        return Fee(kind=FeeKind.FREE, text=text, note=note)
    match = AMOUNT_RE.match(text)
    if match:
        money = Money(
            amount=int(match["amount"].replace(",", "")),
            currency=CURRENCIES[match["currency"].lower()],  # type: ignore[arg-type]
        )
        return Fee(kind=FeeKind.AMOUNT, text=text, amount=money, note=note)
    return Fee(kind=FeeKind.NO_INFO, text=text, note=note)


def _balanced_parenthesis(text: str, start: int) -> int | None:
    """Index just past the parenthesis group opening at `start`, or None if it never closes."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def split_channel_rows(text: str) -> tuple[list[ChannelOption], list[Issue]]:
    """Splits the fused "Cách thức thực hiện" table into rows.

    A row starts where a channel name ("Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính") is
    followed directly by a time cell and a fee cell; an optional parenthesized fee note and a
    free description follow, up to the next row.
    """
    field = "cach_thuc_thuc_hien"
    issues: list[Issue] = []
    text = normalize(text)
    if text.startswith(CHANNEL_TABLE_HEADER):
        text = text[len(CHANNEL_TABLE_HEADER) :]
    elif squash(text):
        issues.append(Issue(field=field, kind="channel_table_header_missing", message=text[:80]))
    rows = list(CHANNEL_ROW_RE.finditer(text))
    if not rows:
        issues.append(
            Issue(field=field, kind="channels_missing", message=f"no channel row in {text[:80]!r}")
        )
        return [], issues
    head = squash(text[: rows[0].start()])
    if head:
        issues.append(Issue(field=field, kind="channel_text_unparsed", message=head[:120]))
    options: list[ChannelOption] = []
    for index, row in enumerate(rows):
        end = rows[index + 1].start() if index + 1 < len(rows) else len(text)
        rest = text[row.end() : end]
        note: str | None = None
        if rest.startswith("("):
            close = _balanced_parenthesis(rest, 0)
            if close is None:
                note, rest = rest[1:], ""
                issues.append(
                    Issue(field=field, kind="fee_note_unbalanced", message=squash(note)[:120])
                )
            else:
                note, rest = rest[1 : close - 1], rest[close:]
            note = squash(note) or None
        channel = CHANNEL_NAMES[row["channel"]]
        time_text, fee_text = row["time"], row["fee"]
        time_limit = parse_time_limit(time_text)
        fee = parse_fee(fee_text, note)
        issues.extend(_channel_row_issues(channel, time_limit, fee, fused=bool(time_text)))
        options.append(
            ChannelOption(
                channel=channel,
                time_limit=time_limit,
                fee=fee,
                description=squash(rest) or None,
            )
        )
    return options, issues


def _channel_row_issues(
    channel: Channel, time_limit: TimeLimit, fee: Fee, *, fused: bool
) -> Iterable[Issue]:
    where = channel.label
    if time_limit.value is None:
        if time_limit.text in (NO_INFO, ""):
            yield Issue(field="time_limit", kind="time_limit_missing", message=f"{where}: none")
        else:
            yield Issue(
                field="time_limit",
                kind="time_limit_not_numeric",
                message=f"{where}: {time_limit.text!r}",
            )
    elif time_limit.unit is None:
        yield Issue(
            field="time_limit",
            kind="time_limit_unit_missing",
            message=f"{where}: bare number {time_limit.text!r}",
        )
        if fee.kind is FeeKind.AMOUNT and fused:
            yield Issue(
                field="fee",
                kind="time_fee_fused",
                message=(
                    f"{where}: a bare time fused with an amount, read as time "
                    f"{time_limit.text!r} and fee {fee.text!r}"
                ),
            )
    if fee.kind is FeeKind.NO_INFO:
        yield Issue(field="fee", kind="fee_missing", message=f"{where}: {fee.text!r}")
    if fee.amount is not None and fee.amount.currency == "VND" and fee.amount.amount < 1000:
        yield Issue(
            field="fee",
            kind="fee_amount_implausible",
            message=f"{where}: {fee.text!r} is under 1,000 đồng (note: {fee.note!r})",
        )
    if fee.kind is FeeKind.FREE and fee.note and NOTE_AMOUNT_RE.search(fee.note):
        yield Issue(
            field="fee",
            kind="fee_free_but_note_has_amount",
            message=f"{where}: 'Miễn phí' but the note says {fee.note[:120]!r}",
        )


# --------------------------------------------------------------------------------------------
# Required documents ("Thành phần hồ sơ")

DOCUMENT_TABLE_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
QUANTITY_RE = re.compile(r"(\d) ?bản chính(?:, ?(\d) ?bản sao)?")
# A file name's extension, possibly doubled (".docx.docx", ".docx (1).doc").
TEMPLATE_EXTENSION_RE = re.compile(
    r"(?:\.(?:docx?|pdf|xlsx?|rar|zip|odt|rtf)(?: \(\d\))?)+(?:\d{1,2})?$", re.I
)
# A file name's extension as found in reversed text, to stop at the previous file name.
TEMPLATE_EXTENSION_IN_TEXT_RE = re.compile(r"(?:xcod|cod|fdp|xslx|slx|rar|piz|tdo|ftr)\.", re.I)
TEMPLATE_PREFIX_RE = re.compile(
    r"M[ẫẪaAuUưs]|m[ẫãa]u|Phụ lục|PHỤ LỤC|Phu ?luc|Phuluc|PL|PHLC|TK|BM|Biểu mẫu|Bieu mau|Đơn|Don"
)
FORM_RE = re.compile(
    r"\b[Mm]ẫu\s+(?P<so>số\s+)?(?P<id>[A-ZĐ0-9](?:[A-Za-zĐđ0-9._/-]*[A-Za-zĐđ0-9])?)"
)
LIST_BULLET_RE = re.compile(r"^[-+•*–\s]+")


def parse_quantity(text: str) -> tuple[int, int] | None:
    """ "1 bản chính" → (1, 0); "0 bản chính,1 bản sao" → (0, 1); anything else → None."""
    match = QUANTITY_RE.fullmatch(squash(text))
    if not match:
        return None
    return int(match[1]), int(match[2] or 0)


def _is_quantity_cell(text: str, match: re.Match[str]) -> bool:
    """Whether a "N bản chính" match is the table's quantity cell rather than a mention inside a
    paper's name ("… 02 bản chính tờ khai …", "(01 bản chính), trong đó …")."""
    follower = text[match.end() : match.end() + 2]
    if not follower:
        return True
    first = follower[0]
    if first == " ":
        return not follower[1:].islower()
    if first in ",;.":
        return len(follower) == 1 or not follower[1].isspace()
    if first == ")":
        before = text[max(0, match.start() - 2) : match.start()]
        return not before.endswith("(") and before != "(0"
    return True


def split_template_files(name: str) -> tuple[str, tuple[str, ...], bool]:
    """Splits the form column's template file names ("….docx") off the end of a paper's name.

    Returns the name, the template files and whether a file name was found whose start could
    not be told from the name's text (it then stays in the name).
    """
    templates: list[str] = []
    while match := TEMPLATE_EXTENSION_RE.search(name):
        start = _template_start(name, match.start())
        if start is None:
            return name.strip(), tuple(templates), True
        file_name = name[start : match.end()]
        file_name = re.sub(r"\d{1,2}$", "", file_name) if file_name[-1].isdigit() else file_name
        templates.insert(0, file_name.strip())
        name = name[:start]
    return name.strip(), tuple(templates), False


def _template_start(name: str, extension_at: int) -> int | None:
    """Where the template file name that ends at `extension_at` begins.

    The cells are fused, so the start is where the name's text runs into the file name without
    a space: the first known template prefix ("Mẫu", "Mau", "Phụ lục", "TK"…) that starts a
    word is preferred, then the last start right after punctuation (").NA5"), then the last
    lower-to-upper case change.
    """
    previous_file = TEMPLATE_EXTENSION_IN_TEXT_RE.search(name[:extension_at][::-1])
    low = max(1, extension_at - 150)
    if previous_file:  # another file name ends before this one: start after it
        low = max(low, extension_at - previous_file.start())
    prefixed: int | None = None
    after_punctuation: int | None = None
    case_change: int | None = None
    for index in range(low, extension_at):
        previous, current = name[index - 1], name[index]
        if previous.isspace() or current.isspace() or previous == "(":
            continue
        prefix = TEMPLATE_PREFIX_RE.match(name, index)
        if prefix and _starts_word(previous, name[index : prefix.end() + 1]):
            if prefixed is None:  # the first: a file name may hold "Mẫu"/"Đơn" again
                prefixed = index
        elif previous in '.;:)]”"' and current.isalnum():
            decimal = (
                previous == "." and name[index - 2 : index - 1].isdigit() and current.isdigit()
            )
            if not decimal:
                after_punctuation = index
        elif previous.islower() and (current.isupper() or current.isdigit()):
            case_change = index
        elif _ends_with_issuer_code(name, index):
            after_punctuation = index  # "…/NĐ-CPphụ lục VI.docx", "…/TT-BTC01-LP.docx"
    for candidate in (prefixed, after_punctuation, case_change):
        if candidate is not None:
            # A numbering glued in front of the file name: ";1.MuCT01…doc" is "1.MuCT01…doc".
            numbering = re.search(r"(?<=[.;:)\]])(?:\d+[._-]?)+$", name[:candidate])
            return numbering.start() if numbering else candidate
    return None


def _ends_with_issuer_code(name: str, index: int) -> bool:
    """Whether a document number's issuer code ("…/NĐ-CP", "…/TT-BTC") ends at `index`."""
    match = re.search(r"/(?:[A-ZĐ]+-)?([A-ZĐ]+[a-z]?)$", name[max(0, index - 20) : index])
    return match is not None and match[1] in KNOWN_ISSUER_CODES


def _starts_word(previous: str, word: str) -> bool:
    """Whether a template prefix starting `word` begins a word rather than sitting inside one
    ("CPMẫu số 05", ";TK 1.000703", "doanhmẫu số 1" but not "BK-STK")."""
    if not previous.isalnum() or previous.isdigit():
        return True
    if previous.islower() != word[0].islower():
        return True
    if word[:3].lower() in ("mẫu", "mãu", "mau"):
        return True
    return len(word) >= 2 and word[0].isupper() and word[1].islower()


def find_form(name: str) -> str | None:
    """The form a paper follows when its text names one: "… (Mẫu CT01 ban hành …)" → "Mẫu CT01"."""
    for match in FORM_RE.finditer(name):
        if any(ch.isdigit() for ch in match["id"]):
            return f"Mẫu {'số ' if match['so'] else ''}{match['id']}"
    return None


def _document(raw_name: str, originals: int, copies: int) -> tuple[RequiredDocument, bool]:
    text = squash(raw_name)
    text, templates, uncertain = split_template_files(text)
    text = LIST_BULLET_RE.sub("", text).strip()
    form = find_form(text)
    if form is None:
        stems = (TEMPLATE_EXTENSION_RE.sub("", template) for template in templates)
        form = next((found for found in map(find_form, stems) if found), None)
    document = RequiredDocument(
        name=text, originals=originals, copies=copies, form=form, template_files=templates
    )
    return document, uncertain


def _case_title(text: str) -> str | None:
    title = squash(text)
    return None if title.strip("- ") == "" else title


def split_document_cases(text: str) -> tuple[list[DocumentCase], list[Issue]]:
    """Splits the fused "Thành phần hồ sơ" tables into groups of papers.

    Each table is "<heading>Tên giấy tờMẫu đơn, tờ khaiSố lượng<rows>", a row being
    "<name>[<template file>]<N bản chính>[,<N bản sao>]". The heading of the next table is
    fused to the last quantity cell of the previous one.
    """
    field = "thanh_phan_ho_so"
    issues: list[Issue] = []
    text = normalize(text)
    if squash(text).strip("- ") in ("", NO_INFO):
        issues.append(Issue(field=field, kind="documents_missing", message="no documents listed"))
        return [], issues
    parts = text.split(DOCUMENT_TABLE_HEADER)
    if len(parts) == 1:
        issues.append(
            Issue(
                field=field,
                kind="documents_table_missing",
                message=f"no table header; read as one untitled table: {squash(text)[:80]!r}",
            )
        )
        parts = ["", text]
    title = _case_title(parts[0])
    cases: list[DocumentCase] = []
    for index, body in enumerate(parts[1:], start=1):
        last = index == len(parts) - 1
        documents, tail = _split_rows(body, issues)
        if last and squash(tail):
            name = squash(tail)
            issues.append(
                Issue(
                    field=field,
                    kind="document_quantity_missing",
                    message=f"{name[:100]!r} has no quantity; kept as a remark (0 and 0)",
                )
            )
            document, _ = _document(tail, 0, 0)
            documents.append(document)
        if not documents:
            issues.append(
                Issue(
                    field=field,
                    kind="document_case_empty",
                    message=f"the table {title!r} has no rows",
                )
            )
        cases.append(DocumentCase(title=title, documents=tuple(documents)))
        if not last:
            title = _case_title(tail)
    return cases, issues


def _split_rows(body: str, issues: list[Issue]) -> tuple[list[RequiredDocument], str]:
    """The rows of one table and the text after its last quantity cell."""
    documents: list[RequiredDocument] = []
    raw_names: list[str] = []
    cells: list[str] = []
    position = 0
    for match in QUANTITY_RE.finditer(body):
        if not _is_quantity_cell(body, match):
            continue
        name = body[position : match.start()]
        if raw_names and not any(ch.isalnum() for ch in name):
            # The previous "cell" was a mention inside the name ("…: 01 bản chính1 bản chính").
            raw_names[-1] += cells[-1] + name
            cells[-1] = match[0]
        else:
            raw_names.append(name)
            cells.append(match[0])
        position = match.end()
    for raw_name, cell in zip(raw_names, cells, strict=True):
        quantity = parse_quantity(cell)
        assert quantity is not None
        document, uncertain = _document(raw_name, *quantity)
        if not any(ch.isalnum() for ch in document.name):
            issues.append(
                Issue(
                    field="thanh_phan_ho_so",
                    kind="document_name_missing",
                    message=f"a row with quantity {cell!r} has no name",
                )
            )
        if uncertain:
            issues.append(
                Issue(
                    field="thanh_phan_ho_so",
                    kind="document_template_unsplit",
                    message=f"template file name left in the name: {document.name[-80:]!r}",
                )
            )
        documents.append(document)
    return documents, body[position:]


# --------------------------------------------------------------------------------------------
# Legal basis, results, the rest

LEGAL_TABLE_HEADER = "Tên văn bản pháp lýMã văn bản"
# Document numbers: "85/2019/TT-BTC", "66.7/2025/NQ-CP", "73/NĐ-CP", "60/2014/QH13" (only the
# National Assembly's "QH" carries digits, its term: "QH1360/2014/QH13" is "QH13" + "60/…").
# The number column is fused to the title ("…Luật Căn cước.53/2025/TT-BCAThông tư…"), so a
# number cell starts right after a non-blank character, or after a year ("Luật Cư trú
# 202068/2020/QH14" is "… 2020" + "68/2020/QH14"); a number after a blank is a mention.
_NUMBER_PART = r"(?:UBTVQH\d{2}|QH\d{2}|[A-ZĐ]+[a-z]?)"
_DOCUMENT_TYPE = (
    r"Luật|Bộ luật|Thông tư liên tịch|Thông tư|Nghị định|Nghị quyết|Quyết định|Pháp lệnh"
)
LEGAL_NUMBER_RE = re.compile(
    r"(?:(?<=[^\s\d/.,])|(?<=\D\.)|(?<=\b\d{4})|(?<=\b(?:19|20)\d{2}\.)|(?<=QH\d{2})|^)"
    rf"(?:(?:{_DOCUMENT_TYPE}) )?(?:[Ss]ố ?)?"
    r"(?<!QH)(?<!QH\d)(?!(?:19|20)\d{3,}/)"
    rf"(?P<number>\d+(?:\.\d+)?(?:/\d{{4}})?/{_NUMBER_PART}(?: ?- ?{_NUMBER_PART})*)"
)
RESULT_CODE_RE = re.compile(r"Mã:\s*(?P<code>(?:[A-Z]+[.-]?)*\d+(?:[.-][A-Z]*\d+)*)")
PAGE_CHROME_RE = re.compile(r"Từ khóa(?!:)(?P<keywords>.*?)Mô tả(?P<description>.*)$", re.S)
PAGE_CHROME_TAIL_RE = re.compile(r"Chọn cơ quan thực hiện.*$", re.S)


# The issuers' codes that end a document number ("…/NĐ-CP", "…/TT-BTC"), as they appear in the
# 2026 crawl; a number fused to the next title ("…/TT-BCAThông tư") is cut after a known one.
KNOWN_ISSUER_CODES: frozenset[str] = (
    frozenset(
        [
            "BCA",
            "BCT",
            "BGDĐT",
            "BGTVT",
            "BKHCN",
            "BKHĐT",
            "BLĐTBXH",
            "BNG",
            "BNNMT",
            "BNNPTNT",
            "BNV",
            "BQP",
            "BTC",
            "BTNMT",
            "BTP",
            "BTTTT",
            "BVHTTDL",
            "BXD",
            "BYT",
            "CP",
            "CTN",
            "HĐND",
            "HĐTP",
            "KTNN",
            "LLTP",
            "NHNN",
            "NQ",
            "NĐ",
            "QĐ",
            "TANDTC",
            "TT",
            "TTLT",
            "TTg",
            "UBND",
            "UBTVQH",
            "VKSNDTC",
            "VPCP",
        ]
    )
    | {f"QH{term}" for term in range(8, 17)}
    | {f"UBTVQH{term}" for term in range(8, 17)}
)


def _number_cell_end(text: str, match: re.Match[str]) -> int | None:
    """Where the number cell of `match` ends, or None when the number is a mention inside a
    title. A cell is fused to its title (no blank before it) and the next title starts right
    after it. The next title's first letters may have been read as part of the issuer's code
    ("…TT-BCAThông tư", "…TT-BTCTHÔNG TƯ", "…NĐ-CPsửa đổi"): they are given back so that the
    code is a known one."""
    start, end = match.start("number"), match.end()
    follower = text[end:].lstrip(" ")
    if not follower:
        return end
    if match.start() == 0 or text[match.start() - 1].isspace() or follower[0].isdigit():
        return None
    prefixed = match.start() != start  # "Thông tư số 54/2025/TT-BCA ngày …"
    code = re.split(r"[-/]", text[start:end])[-1]
    if code not in KNOWN_ISSUER_CODES:
        for give_back in range(1, min(4, len(code) - 1) + 1):
            if code[:-give_back] in KNOWN_ISSUER_CODES:
                if text[end - give_back].isupper() or not prefixed:
                    return end - give_back
                break
    if follower[0] in '(“"' or follower[0].isupper():
        return end
    return None if prefixed else end


def parse_legal_basis(text: str) -> tuple[list[LegalDocument], list[Issue]]:
    """ "Tên văn bản pháp lýMã văn bản<title><number>…" → documents with their numbers.

    A number ends a row when the next row starts right after it (a capital letter or the end);
    a number followed by lower-case text is a mention inside the title.
    """
    field = "can_cu_phap_ly"
    issues: list[Issue] = []
    text = normalize(text)
    if text.startswith(LEGAL_TABLE_HEADER):
        text = text[len(LEGAL_TABLE_HEADER) :]
    bleed = text.find("Cơ quan thực hiện")
    if bleed >= 0:
        issues.append(
            Issue(
                field=field,
                kind="legal_basis_bleeds",
                message=f"cut before the next section: {squash(text[bleed:])[:80]!r}",
            )
        )
        text = text[:bleed]
    if squash(text) in ("", NO_INFO):
        issues.append(Issue(field=field, kind="legal_basis_missing", message="none listed"))
        return [], issues
    documents: list[LegalDocument] = []
    position = 0
    for match in LEGAL_NUMBER_RE.finditer(text):
        end = _number_cell_end(text, match)
        if end is None:
            continue
        title = squash(text[position : match.start()]).strip(" :;,")
        number = text[match.start("number") : end].replace(" ", "")
        documents.append(LegalDocument(title=title or number, number=number))
        position = end
    tail = squash(text[position:]).strip(" :;,")
    if tail:
        documents.append(LegalDocument(title=tail))
        issues.append(
            Issue(field=field, kind="legal_basis_unnumbered", message=f"no number: {tail[:80]!r}")
        )
    return documents, issues


def parse_results(text: str) -> tuple[list[ProcedureResult], str | None, list[Issue]]:
    """ "Kết quả xử lý": "<name>Mã: <code><name>Mã: <code>…", followed on the page by the
    keywords and the description ("Từ khóa…Mô tả…"); returns results and that description."""
    field = "ket_qua_xu_ly"
    issues: list[Issue] = []
    text = normalize(text)
    description: str | None = None
    chrome = PAGE_CHROME_RE.search(text)
    if chrome:
        description = _optional(PAGE_CHROME_TAIL_RE.sub("", chrome["description"]))
        text = text[: chrome.start()]
    results: list[ProcedureResult] = []
    position = 0
    for match in RESULT_CODE_RE.finditer(text):
        name = squash(text[position : match.start()])
        if not name:
            issues.append(
                Issue(field=field, kind="result_name_missing", message=f"code {match['code']}")
            )
        else:
            results.append(ProcedureResult(name=name, code=match["code"]))
        position = match.end()
    tail = _optional(text[position:])
    if tail:
        results.append(ProcedureResult(name=tail))
    if not results:
        issues.append(Issue(field=field, kind="result_missing", message="no result named"))
    return results, description, issues


def parse_conditions(text: str) -> str | None:
    """ "Yêu cầu, điều kiện": None when there are none ("Không có thông tin", "Không")."""
    text = normalize(text)
    chrome = PAGE_CHROME_RE.search(text)
    if chrome:
        text = text[: chrome.start()]
    value = _optional(text)
    if value is None or value.rstrip(".").lower() in ("không", "không có"):
        return None
    return value


def parse_steps(text: str) -> list[str]:
    """ "Trình tự thực hiện": one step per line, as written."""
    lines = (squash(line) for line in normalize(text).splitlines())
    return [line for line in lines if line and line != NO_INFO]


def split_list(text: str) -> list[str]:
    """ "Công dân Việt Nam, Cán bộ, công chức, viên chức, Tổ chức (không bao gồm doanh nghiệp,
    HTX)" → three subjects: split at top-level ", ", a lower-case piece continues the previous."""
    pieces: list[str] = []
    depth = 0
    current = ""
    text = squash(text)
    for index, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0 and text[index + 1 : index + 2] == " ":
            pieces.append(current)
            current = ""
            continue
        current += ch
    pieces.append(current)
    merged: list[str] = []
    for piece in (p.strip() for p in pieces):
        if not piece or piece == NO_INFO:
            continue
        if merged and piece[0].islower():
            merged[-1] = f"{merged[-1]}, {piece}"
        else:
            merged.append(piece)
    return merged


# --------------------------------------------------------------------------------------------
# Records

PAGE_CODE_RE = re.compile(r"Mã thủ tục\s*(?P<code>.*?)\s*Số quyết định", re.S)
# The page's sections, in order, and how each heading is found in `raw_text` after the previous
# one. The crawler cut its fields at the first occurrence of a heading's words, which is wrong
# when those words also appear inside a section ("… theo quy định tại mục 9.3 (Thành phần hồ
# sơ) …", a fee note "(Căn cứ pháp lý: …)"), so the sections are re-cut from the page.
PAGE_SECTIONS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    ("trinh_tu_thuc_hien", re.compile("Trình Tự Thực Hiện"), False),
    ("cach_thuc_thuc_hien", re.compile(f"Cách Thức Thực Hiện(?={CHANNEL_TABLE_HEADER})"), False),
    ("thanh_phan_ho_so", re.compile("Thành phần hồ sơ"), False),
    (
        "can_cu_phap_ly",
        re.compile(f"Căn cứ pháp lý(?={LEGAL_TABLE_HEADER}|{NO_INFO})"),
        True,  # the last one: a fee note or a paper may quote "Căn cứ pháp lý:"
    ),
    ("co_quan_thuc_hien", re.compile("Cơ quan thực hiện"), False),
    ("yeu_cau_dieu_kien", re.compile("Yêu cầu, điều kiện thực hiện"), False),
    ("ket_qua_xu_ly", re.compile("Kết quả xử lý"), False),
)
DETAIL_URL_RE = re.compile(r"^https://dichvucong\.gov\.vn/thu-tuc-hanh-chinh/[0-9a-f-]{36}$")


def page_code(raw: Mapping[str, Any]) -> str | None:
    """The "Mã thủ tục" printed on the crawled page (inside `raw_text`)."""
    match = PAGE_CODE_RE.search(normalize(str(raw.get("raw_text", ""))))
    code = squash(match["code"]) if match else ""
    return code if CODE_RE.match(code) else None


def _without_chrome(text: str) -> str:
    text = squash(text)
    chrome = PAGE_CHROME_RE.search(text)
    return text[: chrome.start()].strip() if chrome else text


def page_sections(raw_text: str) -> dict[str, str]:
    """The page's sections by the crawler's field names; a section whose heading is not found
    (in order) is absent, and so are the ones after it."""
    sections: dict[str, str] = {}
    found: list[tuple[str, int, int]] = []
    position = 0
    for key, heading, take_last in PAGE_SECTIONS:
        matches = list(heading.finditer(raw_text, position))
        if not matches:
            break
        match = matches[-1] if take_last else matches[0]
        found.append((key, match.start(), match.end()))
        position = match.end()
    for index, (key, _start, end) in enumerate(found):
        stop = found[index + 1][1] if index + 1 < len(found) else len(raw_text)
        sections[key] = raw_text[end:stop]
    return sections


def _text(raw: Mapping[str, Any], key: str, issues: list[Issue]) -> str:
    value = raw.get(key)
    if value is None:
        issues.append(Issue(field=key, kind="field_absent", message=f"no {key!r} in the record"))
        return ""
    if not isinstance(value, str):
        issues.append(Issue(field=key, kind="field_type", message=f"{key!r} is not text"))
        return ""
    return value


def resolve_code(
    raw: Mapping[str, Any], *, file_code: str | None, issues: list[Issue]
) -> str | None:
    """The official code of the page's content (see the module docstring)."""
    requested = squash(_text(raw, "ma_thu_tuc", issues))
    on_page = page_code(raw)
    claimed = {code for code in (requested, file_code) if code}
    if on_page is None:
        issues.append(
            Issue(
                field="raw_text",
                kind="page_code_missing",
                message=f"no 'Mã thủ tục' on the page; using {requested!r}",
            )
        )
        return requested if CODE_RE.match(requested) else None
    if claimed - {on_page}:
        issues.append(
            Issue(
                field="ma_thu_tuc",
                kind="code_mismatch",
                message=(
                    f"requested {', '.join(sorted(claimed))} but the page is {on_page}; "
                    f"the record describes {on_page}"
                ),
            )
        )
    return on_page


def parse_record(raw: Mapping[str, Any], *, file_code: str | None = None) -> ParseResult:
    """Parses one raw record. `file_code`: the code in the record's file name, if known."""
    issues: list[Issue] = []
    code = resolve_code(raw, file_code=file_code, issues=issues)
    if code is None:
        issues.append(Issue(field="ma_thu_tuc", kind="code_missing", message="no valid code"))
        return ParseResult(procedure=None, issues=tuple(issues))

    sections = page_sections(normalize(_text(raw, "raw_text", issues)))
    for key, _heading, _last in PAGE_SECTIONS:
        field_text = _text(raw, key, issues)
        if key not in sections:
            issues.append(
                Issue(field=key, kind="page_section_missing", message="using the crawler's field")
            )
            sections[key] = field_text
        elif _without_chrome(sections[key]) != _without_chrome(field_text):
            issues.append(
                Issue(
                    field=key,
                    kind="field_differs_from_page",
                    message=(
                        f"the crawler's field ({squash(field_text)[:60]!r}…) differs from the "
                        f"page's section ({squash(sections[key])[:60]!r}…); using the page's"
                    ),
                )
            )

    name = squash(_text(raw, "ten_thu_tuc", issues))
    url = squash(_text(raw, "detail_url", issues))
    if not DETAIL_URL_RE.match(url):
        issues.append(Issue(field="detail_url", kind="url_invalid", message=repr(url)))
    levels = split_list(_text(raw, "cap_thuc_hien", issues))
    if not levels:
        issues.append(Issue(field="cap_thuc_hien", kind="level_missing", message="no level"))
    field = _optional(_text(raw, "linh_vuc", issues))
    if field is None:
        issues.append(Issue(field="linh_vuc", kind="field_missing", message="no field"))
    agency = _optional(sections["co_quan_thuc_hien"])
    if agency is None:
        issues.append(
            Issue(field="co_quan_thuc_hien", kind="agency_missing", message="no agency named")
        )
    steps = parse_steps(sections["trinh_tu_thuc_hien"])
    if not steps:
        issues.append(Issue(field="trinh_tu_thuc_hien", kind="steps_missing", message="none"))
    channels, channel_issues = split_channel_rows(sections["cach_thuc_thuc_hien"])
    cases, document_issues = split_document_cases(sections["thanh_phan_ho_so"])
    legal, legal_issues = parse_legal_basis(sections["can_cu_phap_ly"])
    results, description, result_issues = parse_results(sections["ket_qua_xu_ly"])
    issues += channel_issues + document_issues + legal_issues + result_issues
    try:
        procedure = Procedure(
            code=code,
            name=name,
            levels=tuple(levels),
            field=field,
            subjects=tuple(split_list(_text(raw, "doi_tuong_thuc_hien", issues))),
            agency=agency,
            competent_authority=_optional(_text(raw, "co_quan_co_tham_quyen", issues)),
            procedure_type=_optional(_text(raw, "loai_thu_tuc", issues)),
            decision_number=_optional(_text(raw, "so_quyet_dinh", issues)),
            steps=tuple(steps),
            document_cases=tuple(cases),
            channels=tuple(channels),
            conditions=parse_conditions(sections["yeu_cau_dieu_kien"]),
            results=tuple(results),
            legal_basis=tuple(legal),
            description=description,
            url=url,
        )
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            issues.append(Issue(field=where, kind="invalid", message=error["msg"]))
        return ParseResult(procedure=None, issues=tuple(issues))
    return ParseResult(procedure=procedure, issues=tuple(issues))


def read_record(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a JSON object")
    return data


def parse_file(path: Path) -> ParseResult:
    """Parses one raw file; an unreadable file is a result with no procedure and one issue."""
    try:
        raw = read_record(path)
    except (OSError, ValueError) as exc:
        issue = Issue(field="(file)", kind="unreadable", message=str(exc))
        return ParseResult(procedure=None, issues=(issue,))
    return parse_record(raw, file_code=path.stem)


@dataclass(frozen=True)
class ParseReport:
    """Results of a directory, by file path relative to the parsed directory."""

    results: tuple[tuple[str, ParseResult], ...]

    @property
    def files(self) -> int:
        return len(self.results)

    @property
    def parsed(self) -> int:
        return sum(result.procedure is not None for _, result in self.results)

    @property
    def clean(self) -> int:
        return sum(result.clean for _, result in self.results)

    def issue_counts(self) -> Counter[str]:
        """Issues by kind."""
        return Counter(issue.kind for _, result in self.results for issue in result.issues)

    def records_with(self) -> Counter[str]:
        """Records having at least one issue of each kind."""
        return Counter(
            kind for _, result in self.results for kind in {i.kind for i in result.issues}
        )

    def summary(self) -> str:
        lines = [
            f"{self.files} files, {self.parsed} parsed, {self.clean} clean",
            f"{'issue kind':<32} {'issues':>7} {'records':>8}",
        ]
        records = self.records_with()
        for kind, count in sorted(self.issue_counts().items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"{kind:<32} {count:>7} {records[kind]:>8}")
        return "\n".join(lines)


def parse_directory(
    directory: Path, *, progress: Callable[[str], None] | None = None
) -> ParseReport:
    """Parses every `*.json` under `directory` (recursively, in path order)."""
    results: list[tuple[str, ParseResult]] = []
    for path in sorted(directory.rglob("*.json")):
        relative = path.relative_to(directory).as_posix()
        results.append((relative, parse_file(path)))
        if progress is not None:
            progress(relative)
    return ParseReport(results=tuple(results))
