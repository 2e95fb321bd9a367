"""Short answers for a phone screen, generated from a parsed procedure (never typed by hand).

Three texts, each starting with "Dạ," and at most `MAX_ANSWER_CHARS` characters:
required papers (the most common case first, at most `MAX_DOCUMENT_LINES` bullet lines, each
paper with its number of originals/copies), the processing time and the fee. Anything longer
is left to the "Xem đầy đủ" link (the portal's page).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.procedures.models import (
    Channel,
    ChannelOption,
    DocumentCase,
    Fee,
    FeeKind,
    Frozen,
    Procedure,
    RequiredDocument,
    TimeLimit,
)
from core.procedures.parser import NOTE_AMOUNT_RE, find_form

MAX_ANSWER_CHARS = 600
MAX_DOCUMENT_LINES = 8
MAX_LABEL_CHARS = 64
DETAILS_LABEL = "Xem đầy đủ"
NO_INFO = "Không có thông tin"


class Answers(Frozen):
    """The phone-screen answers of one procedure; `primary_cases` are the indexes (in
    `Procedure.document_cases`) of the groups the papers answer lists."""

    required_documents: str
    processing_time: str
    fee: str
    primary_cases: tuple[int, ...]
    details_label: str = DETAILS_LABEL
    details_url: str


# --------------------------------------------------------------------------------------------
# Which papers: sections, cases, conditions

_CONDITIONAL_START_RE = re.compile(
    r"^(?:trường hợp|nếu|khi|đối với trường hợp|đối với|ngoài ra|riêng|lưu ý|ví dụ"
    r"|người ủy quyền|người có thẩm quyền ký)\b",
    re.IGNORECASE,
)
_LIST_MARKER_RE = re.compile(
    r"^(?:\(?(?:[a-zđ]|[ivx]{1,4}|\d{1,2})(?:[.,]\d{1,2})*\)\s*|\d{1,2}(?:\.\d{1,2})*\.\s+|[-+•*–]\s*)+"
)


def without_list_marker(text: str) -> str:
    """ "a) Đơn …", "(ii) Trường hợp …", "1. Tờ khai …", "- Giấy …" → the text after the marker."""
    return _LIST_MARKER_RE.sub("", text).strip()


def is_paper(document: RequiredDocument) -> bool:
    """A row that asks for at least one original or copy (0 and 0 is a remark, and so is the
    portal's "Số lượng hồ sơ: 01 bộ" row)."""
    name = without_list_marker(document.name).lower()
    return (
        document.originals + document.copies > 0
        and any(ch.isalpha() for ch in name)
        and not name.startswith("số lượng hồ sơ")
    )


def is_conditional(document: RequiredDocument) -> bool:
    """A paper needed only in some situations: "Trường hợp …", "… (nếu có)", "… trong trường
    hợp ủy quyền …", "… đối với người chưa đủ 14 tuổi" (in its first clause)."""
    name = without_list_marker(document.name)
    if _CONDITIONAL_START_RE.match(name):
        return True
    first_clause = re.split(r";|\. ", name, maxsplit=1)[0].lower()
    if "(nếu có)" in first_clause:
        return True
    if _mentions_channel(first_clause):
        return False  # "… (nếu … nộp hồ sơ theo hình thức trực tiếp)": the channel's own paper
    return bool(re.search(r"trường hợp|[\s(]đối với |[\s(]nếu ", first_clause))


def _mentions_channel(text: str) -> bool:
    return any(word in text for word in ("trực tiếp", "trực tuyến", "bưu chính"))


def case_kind(case: DocumentCase) -> str:
    """ "present" (giấy tờ phải xuất trình), "note" (lưu ý), "submit" (the general list, untitled or
    "Giấy tờ phải nộp" / "Thành phần hồ sơ"), or "case" (an alternative: "Trường hợp …")."""
    title = (case.title or "").lower().strip("*-: ")
    if "xuất trình" in title:
        return "present"
    if title.startswith("lưu ý") or title.startswith("ghi chú"):
        return "note"
    if not title or any(
        title.startswith(prefix)
        for prefix in ("giấy tờ phải nộp", "thành phần hồ sơ", "hồ sơ gồm", "hồ sơ bao gồm")
    ):
        return "submit"
    return "case"


def required_papers(case: DocumentCase) -> list[RequiredDocument]:
    """The papers of a group everyone in that case brings (no remarks, no conditional ones)."""
    return [d for d in case.documents if is_paper(d) and not is_conditional(d)]


def primary_papers(
    procedure: Procedure, cases: Sequence[int]
) -> list[tuple[RequiredDocument, bool]]:
    """The papers of the chosen groups, each with whether it is only presented (xuất trình):
    the unconditional ones, or every paper when all of them are conditional."""
    chosen = [procedure.document_cases[index] for index in cases]
    rows = [(d, case_kind(case) == "present") for case in chosen for d in case.documents]
    papers = [(d, present) for d, present in rows if is_paper(d)]
    return [(d, present) for d, present in papers if not is_conditional(d)] or papers


def primary_cases(procedure: Procedure) -> tuple[int, ...]:
    """The groups that make the most common case: the general sections (to submit and to
    present) when they ask for papers, else the first group that does, preferring one whose
    title is not a special case ("Trường hợp …", "Đối với …")."""
    cases = procedure.document_cases
    sections = [
        index for index, case in enumerate(cases) if case_kind(case) in ("submit", "present")
    ]
    if any(required_papers(cases[index]) for index in sections):
        return tuple(index for index in sections if any(map(is_paper, cases[index].documents)))
    candidates = [
        index
        for index, case in enumerate(cases)
        if case_kind(case) != "note" and required_papers(case)
    ]
    for index in candidates:
        if not _CONDITIONAL_START_RE.match(without_list_marker(cases[index].title or "")):
            return (index,)
    if candidates:
        return (candidates[0],)
    for index, case in enumerate(cases):
        if case_kind(case) != "note" and any(map(is_paper, case.documents)):
            return (index,)
    return ()


# --------------------------------------------------------------------------------------------
# Wording

_PARENTHESIS_RE = re.compile(r"\s*\([^()]*\)")


def _reduce_parenthesis(match: re.Match[str]) -> str:
    """ "(Mẫu CT01 ban hành kèm theo …)" → "(Mẫu CT01)"; a short remark stays; a long one goes."""
    inner = match[0].strip()[1:-1]
    form = find_form(inner)
    if form:
        return f" ({form})"
    return match[0] if len(inner) <= 26 else ""


def short_label(document: RequiredDocument, limit: int = MAX_LABEL_CHARS) -> str:
    """A paper's name cut for a phone screen: its first clause, long parentheticals dropped,
    the form kept ("Tờ khai thay đổi thông tin cư trú (Mẫu CT01)")."""
    name = _PARENTHESIS_RE.sub(_reduce_parenthesis, without_list_marker(document.name))
    for separator in (";", ". ", ":"):
        head = name.split(separator, 1)[0]
        if len(head) >= 12:
            name = head
    for tail in (" trong trường hợp", " theo quy định", " ban hành kèm", " được quy định tại"):
        head = name.split(tail, 1)[0]
        if len(head) >= 20:
            name = head
    name = re.sub(r"\s+", " ", name).strip(" ,.;")
    name = name[:1].upper() + name[1:]
    if document.form and document.form.lower() not in name.lower():
        name = f"{name} ({document.form})"
    if len(name) > limit:
        cut = name[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;(")
        name = f"{cut}…"
    return name


def quantity_text(document: RequiredDocument, *, present: bool = False) -> str:
    """ "1 bản chính", "1 bản sao", "1 bản chính và 1 bản sao"; papers to present say so."""
    if present:
        return "xuất trình bản chính"
    parts = []
    if document.originals:
        parts.append(f"{document.originals} bản chính")
    if document.copies:
        parts.append(f"{document.copies} bản sao")
    return " và ".join(parts)


def short_name(procedure: Procedure, limit: int = 70) -> str:
    name = re.sub(r"^Thủ tục\s+", "", procedure.name)
    name = name[0].lower() + name[1:] if name[:1].isupper() and name[1:2].islower() else name
    if len(name) > limit:
        name = name[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;(") + "…"
    return name


def format_vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;(") + "…"


def documents_answer(procedure: Procedure, cases: Sequence[int]) -> str:
    papers = primary_papers(procedure, cases)
    if not papers:
        return (
            "Dạ, trang thủ tục trên Cổng Dịch vụ công chưa ghi rõ giấy tờ phải nộp; "
            "ông/bà vui lòng xem đầy đủ hoặc hỏi cán bộ bộ phận một cửa ạ."
        )
    title = ""
    case_title = (procedure.document_cases[cases[0]].title or "").strip("*-: ")
    case_title = without_list_marker(case_title)
    if (
        len(cases) == 1
        and case_kind(procedure.document_cases[cases[0]]) == "case"
        and re.match(r"(?i)trường hợp|đối với", case_title)
    ):
        title = f" ({_clip(case_title[0].lower() + case_title[1:], 70)})"
    shown = papers if len(papers) <= MAX_DOCUMENT_LINES else papers[: MAX_DOCUMENT_LINES - 1]
    lines: list[str] = []
    for limit in range(MAX_LABEL_CHARS, 23, -4):  # shorter labels until the answer fits
        lines = [f"Dạ, hồ sơ {short_name(procedure)}{title} gồm:"]
        lines += [
            f"- {short_label(paper, limit)}: {quantity_text(paper, present=p)}"
            for paper, p in shown
        ]
        if len(shown) < len(papers):
            lines.append(f"- và {len(papers) - len(shown)} giấy tờ khác (xem đầy đủ).")
        if len("\n".join(lines)) + 70 <= MAX_ANSWER_CHARS:
            break
    others = [
        i
        for i, case in enumerate(procedure.document_cases)
        if i not in cases and case_kind(case) != "note" and any(map(is_paper, case.documents))
    ]
    listed = {id(paper) for paper, _ in papers}
    conditional = any(
        is_paper(d) and id(d) not in listed
        for i in cases
        for d in procedure.document_cases[i].documents
    )
    if others or conditional:
        lines.append("Một số trường hợp cần thêm giấy tờ khác, ông/bà xem đầy đủ ạ.")
    return _fit("\n".join(lines))


def _fit(text: str) -> str:
    """Keeps whole lines within `MAX_ANSWER_CHARS` (the last one may be clipped)."""
    if len(text) <= MAX_ANSWER_CHARS:
        return text
    kept: list[str] = []
    for line in text.split("\n"):
        if sum(len(k) + 1 for k in kept) + len(line) > MAX_ANSWER_CHARS:
            break
        kept.append(line)
    return "\n".join(kept)


def _channel_phrase(channels: Sequence[Channel]) -> str:
    words = {
        Channel.IN_PERSON: "nộp trực tiếp",
        Channel.ONLINE: "nộp trực tuyến",
        Channel.POSTAL: "gửi qua bưu chính",
    }
    unique = list(dict.fromkeys(channels))
    return " hoặc ".join(words[c] for c in unique)


def _grouped(options: Sequence[ChannelOption], key: str) -> list[tuple[str, list[ChannelOption]]]:
    """Channel rows with the same time limit (key "time") or fee (key "fee"), in order."""
    groups: dict[str, list[ChannelOption]] = {}
    for option in options:
        value = option.time_limit.text if key == "time" else f"{option.fee.kind}|{option.fee.text}"
        groups.setdefault(value, []).append(option)
    return list(groups.items())


def _where(rows: Sequence[ChannelOption], all_rows: Sequence[ChannelOption]) -> str:
    """ "nộp trực tuyến hoặc gửi qua bưu chính"; a channel listed in several rows is told apart
    by the row's description ("nộp trực tiếp (Tại cơ quan đại diện)")."""
    phrase = _channel_phrase([row.channel for row in rows])
    repeated = [c for c in Channel if sum(row.channel is c for row in all_rows) > 1]
    if len(rows) == 1 and rows[0].channel in repeated and rows[0].description:
        lead = without_list_marker(rows[0].description.split(":", 1)[0])
        phrase += f" ({_clip(lead, 60)})"
    return phrase


def time_text(limit: TimeLimit) -> str | None:
    """ "3 ngày làm việc"; None when the portal gives no number with a unit."""
    if limit.value is None or limit.unit is None:
        return None
    value = f"{limit.value:g}".replace(".", ",")
    return f"{value} {limit.unit.label}"


def processing_time_answer(procedure: Procedure) -> str:
    options = procedure.channels
    if not options:
        return "Dạ, Cổng Dịch vụ công chưa có thông tin về thời hạn giải quyết của thủ tục này ạ."
    groups = _grouped(options, "time")
    phrases: list[str] = []
    unclear: list[str] = []
    for _value, rows in groups:
        limit = rows[0].time_limit
        text = time_text(limit)
        where = _where(rows, options)
        if text is not None:
            phrases.append(f"{where}: {text}" if len(groups) > 1 else text)
        elif limit.value is not None:
            unclear.append(
                f"{where}: Cổng Dịch vụ công chỉ ghi “{limit.text}”, "
                "không ghi đơn vị (ngày hay giờ)"
            )
        elif limit.text not in ("", NO_INFO):
            unclear.append(f"{where}: “{_clip(limit.text, 90)}”")
        else:
            unclear.append(f"{where}: chưa có thông tin")
    if phrases and not unclear and len(groups) == 1:
        return f"Dạ, thời hạn giải quyết là {phrases[0]} ạ."
    if unclear and len(groups) == 1:
        text = "Dạ, thời hạn giải quyết: " + unclear[0].split(": ", 1)[1] + "."
    else:
        text = "Dạ, thời hạn giải quyết: " + "; ".join(phrases + unclear) + "."
    if unclear:
        text += " Ông/bà vui lòng xem đầy đủ hoặc hỏi cán bộ bộ phận một cửa ạ."
    else:
        text = text[:-1] + " ạ."
    return _clip(text, MAX_ANSWER_CHARS)


def fee_text(fee: Fee) -> str | None:
    """ "7.000 đồng", "10 USD", "miễn phí"; None when unknown or implausible."""
    if fee.kind is FeeKind.FREE:
        return "miễn phí"
    if fee.amount is None:
        return None
    if fee.amount.currency == "USD":
        return f"{fee.amount.amount} USD"
    if fee.amount.amount < 1000:
        return None
    return f"{format_vnd(fee.amount.amount)} đồng"


def _informative(note: str) -> bool:
    """Not a bare "Không" / "Chưa quy định." remark."""
    return len(note.split()) > 3 or any(ch.isdigit() for ch in note)


_UNIT_NOTE_RE = re.compile(r"^(?:đồng\s*)?/\s*\S.{0,30}$")


def fee_answer(procedure: Procedure) -> str:
    options = procedure.channels
    if not options:
        return "Dạ, Cổng Dịch vụ công chưa có thông tin về phí, lệ phí của thủ tục này ạ."
    groups = _grouped(options, "fee")
    parts: list[str] = []
    notes: list[str] = []
    unclear = False
    for _value, rows in groups:
        fee = rows[0].fee
        text = fee_text(fee)
        if fee.kind is FeeKind.FREE and any(
            row.fee.note and NOTE_AMOUNT_RE.search(row.fee.note) for row in rows
        ):
            text = None  # "Miễn phí" in the cell, amounts in the note: unclear
        if text is None:
            unclear = True
            text = "chưa có thông tin" if fee.kind is FeeKind.NO_INFO else f"ghi “{fee.text}”"
            if fee.kind is FeeKind.FREE:
                text = "ghi “Miễn phí” nhưng ghi chú lại nêu mức thu"
        for row in rows:
            note = row.fee.note
            if note and _UNIT_NOTE_RE.match(note) and text[-1].isalpha():
                text += note.removeprefix("đồng").strip()  # "2.000 đồng" + "/trang"
            elif note and note.strip("() ") not in notes and _informative(note):
                notes.append(note.strip("() "))
        parts.append(f"{_where(rows, options)}: {text}" if len(groups) > 1 else text)
    if len(groups) == 1 and parts[0] == "miễn phí":
        text = "Dạ, thủ tục này miễn phí"
    else:
        text = "Dạ, phí, lệ phí: " + "; ".join(parts)
    if not notes and not unclear:
        return _clip(text + " ạ.", MAX_ANSWER_CHARS)
    text += "."
    tail = (
        " Mức phí chưa rõ, ông/bà vui lòng xem đầy đủ hoặc hỏi cán bộ một cửa ạ." if unclear else ""
    )
    if notes:
        budget = min(240, MAX_ANSWER_CHARS - len(text) - len(tail) - 16)
        text += f" Ghi chú: “{_clip(' '.join(notes), max(budget, 60))}”"
        text += "." if tail else " ạ."
    return _clip(text + tail, MAX_ANSWER_CHARS)


def build_answers(procedure: Procedure, *, cases: Sequence[int] | None = None) -> Answers:
    """The answers of a procedure; `cases` overrides the choice of the most common case."""
    chosen = tuple(cases) if cases is not None else primary_cases(procedure)
    return Answers(
        required_documents=documents_answer(procedure, chosen),
        processing_time=processing_time_answer(procedure),
        fee=fee_answer(procedure),
        primary_cases=chosen,
        details_url=procedure.url,
    )
