"""Domain values of the procedure catalog (thủ tục hành chính), parsed from the national database.

Every value is frozen and validated (pydantic v2). Text is Unicode NFC. The Vietnamese labels
are the portal's own words; the identifiers are English.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    """Base of every domain value: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Channel(StrEnum):
    """How a dossier is submitted (hình thức nộp)."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    POSTAL = "postal"

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.IN_PERSON: "Trực tiếp",
    Channel.ONLINE: "Trực tuyến",
    Channel.POSTAL: "Dịch vụ bưu chính",
}


class TimeUnit(StrEnum):
    WORKING_DAY = "working_day"
    DAY = "day"
    HOUR = "hour"
    MONTH = "month"
    YEAR = "year"

    @property
    def label(self) -> str:
        return TIME_UNIT_LABELS[self]


TIME_UNIT_LABELS: dict[TimeUnit, str] = {
    TimeUnit.WORKING_DAY: "ngày làm việc",
    TimeUnit.DAY: "ngày",
    TimeUnit.HOUR: "giờ",
    TimeUnit.MONTH: "tháng",
    TimeUnit.YEAR: "năm",
}


class TimeLimit(Frozen):
    """Thời hạn giải quyết: `text` as the portal shows it; `value` and `unit` when it is a number.

    `value` without `unit` means the portal gave a bare number (its unit is unknown);
    neither means no number at all (e.g. "Không có thông tin").
    """

    text: str
    value: int | float | None = None
    unit: TimeUnit | None = None


class FeeKind(StrEnum):
    FREE = "free"  # "Miễn phí"
    AMOUNT = "amount"  # an amount of money
    NO_INFO = "no_info"  # "Không có thông tin"


class Money(Frozen):
    amount: int = Field(ge=0)
    currency: Literal["VND", "USD"]


class Fee(Frozen):
    """Phí, lệ phí of one channel: `text` is the cell as written, `note` the remark in
    parentheses after it."""

    kind: FeeKind
    text: str
    amount: Money | None = None
    note: str | None = None


class ChannelOption(Frozen):
    """One row of "Cách thức thực hiện": channel × time limit × fee, plus the row's description."""

    channel: Channel
    time_limit: TimeLimit
    fee: Fee
    description: str | None = None


class RequiredDocument(Frozen):
    """One paper of the dossier (thành phần hồ sơ).

    `originals` / `copies`: how many bản chính / bản sao (0 and 0 means the row is a remark,
    not a paper). `form`: the template it follows when the text names one ("Mẫu CT01");
    `template_files`: the downloadable templates named in the form column.
    """

    name: str
    originals: int = Field(ge=0)
    copies: int = Field(ge=0)
    form: str | None = None
    template_files: tuple[str, ...] = ()


class DocumentCase(Frozen):
    """A group of papers under one heading ("Trường hợp …", "* Giấy tờ phải nộp:"); `title`
    is None for the portal's untitled group."""

    title: str | None
    documents: tuple[RequiredDocument, ...]


class LegalDocument(Frozen):
    title: str
    number: str | None = None


class ProcedureResult(Frozen):
    """Kết quả thực hiện, with the portal's result code (e.g. KQ.G15.000031) when given."""

    name: str
    code: str | None = None


class Procedure(Frozen):
    """One administrative procedure, keyed by its official code (mã thủ tục, e.g. 1.001193)."""

    code: str = Field(pattern=r"^\d+\.\d{6}$")
    name: str = Field(min_length=1)
    levels: tuple[str, ...]
    field: str | None
    subjects: tuple[str, ...]
    agency: str | None
    competent_authority: str | None
    procedure_type: str | None
    decision_number: str | None
    steps: tuple[str, ...]
    document_cases: tuple[DocumentCase, ...]
    channels: tuple[ChannelOption, ...]
    conditions: str | None
    results: tuple[ProcedureResult, ...]
    legal_basis: tuple[LegalDocument, ...]
    description: str | None
    url: str


class Issue(Frozen):
    """Something the parser could not read cleanly. `kind` is a stable machine name (counted in
    reports), `field` the raw record's field, `message` says what and where."""

    field: str
    kind: str
    message: str


class ParseResult(Frozen):
    """`procedure` is None only when the record cannot describe a procedure at all (no code)."""

    procedure: Procedure | None
    issues: tuple[Issue, ...]

    @property
    def clean(self) -> bool:
        return self.procedure is not None and not self.issues
