"""Builds the curated procedure catalog `data/procedures/` from the national database.

    .venv/bin/python scripts/build_catalog.py --source ../shared/data

Parses every raw record of `<source>/dichvucong-2026/raw/`, then writes:
- `<code>.json` for each curated procedure (the top 100 most used ones that the database
  details, the common civil-status ones and a few land ones): the parsed procedure, its source,
  verification date, folk-name aliases, popularity and generated phone-screen answers;
- `sources/<code>.json`: byte copies of those raw records;
- `index.json`: code, name, level, field and popularity of every procedure of the database.
Files of procedures no longer curated are removed, so a run reproduces the directory exactly.
`--check` compares instead of writing and exits 1 when something differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.procedures.answers import build_answers  # noqa: E402
from core.procedures.catalog import CatalogEntry, Source, entry_files  # noqa: E402
from core.procedures.models import Procedure  # noqa: E402
from core.procedures.parser import ParseReport, ParseResult, parse_directory  # noqa: E402

RAW_DIR = "dichvucong-2026/raw"
POPULARITY_FILE = "dichvucong-popularity/congdan_top1000.json"
TOP = 100
# The day the generated entries were last reviewed against the portal's pages.
VERIFIED_ON = date(2026, 11, 24)

# Civil status (hộ tịch, chứng thực) and land (sổ đỏ) procedures citizens ask about most,
# found by name in the database, besides the top 100.
EXTRA_CODES: tuple[str, ...] = (
    # khai sinh
    "1.001193",
    "1.000689",
    "1.004884",
    "1.004772",
    "2.000528",
    "1.003583",
    "2.001023",
    # kết hôn
    "2.000806",
    "1.004746",
    # khai tử
    "1.000656",
    "1.005461",
    "1.001766",
    # chứng thực
    "2.000884",
    "2.000908",
    # đất đai (sổ đỏ)
    "1.013978",
    "1.012783",
    "1.013831",
)

# The most common case, where the first group of papers is not it (reviewed by hand against
# the page): indexes into `document_cases`.
PRIMARY_CASES: dict[str, tuple[int, ...]] = {
    # group 0 is titled "… thuộc quyền sở hữu của mình" but lists papers for a boat or vehicle;
    # group 6 is the owner's own home.
    "1.004222": (6,),
    # "Hồ sơ gia hạn tạm trú gồm" (one person), not the list or the barracks.
    "1.002755": (2,),
    # the CC01 form for everyone and the DC02 form of an online request.
    "2.001195": (0, 1),
    "2.000200": (0, 1),
    "1.000757": (0, 1),
    # the CC01 form, not the untitled group (papers of a legal representative).
    "1.000889": (0,),
    # moving to a separate household at the same home, not the divorce case.
    "1.010038": (2,),
    # the person who takes part (not the collection agent / the employer).
    "1.001939": (0,),
    "1.002179": (0,),
    "1.002051": (0,),
    # the general case, not the special ones listed before it.
    "2.000720": (1,),  # changing name, address, capital, trades of a household business
    "2.002029": (1,),  # suspending business (the procedure's main purpose)
    "2.002023": (3,),  # "Thủ tục Thông báo giải thể doanh nghiệp"
    "2.002041": (2,),  # moving the head office
    "2.002020": (5,),  # closing a branch in Vietnam
    "2.002045": (2,),  # changing a branch's registration
    "2.002009": (4,),  # changing the charter capital
    "1.005280": (5,),  # founding a cooperative
}

# Folk names citizens type, without the official wording.
ALIASES: dict[str, tuple[str, ...]] = {
    "1.004194": ("đăng ký tạm trú", "đk tạm trú", "tạm trú", "khai tạm trú", "làm tạm trú"),
    "1.001456": ("làm hộ chiếu", "hộ chiếu", "passport", "làm passport", "cấp hộ chiếu"),
    "1.004222": ("đăng ký thường trú", "nhập hộ khẩu", "hộ khẩu", "chuyển hộ khẩu", "thường trú"),
    "1.010041": ("xác nhận cư trú", "giấy xác nhận cư trú", "xác nhận thông tin cư trú", "ct07"),
    "1.012575": ("đăng ký xe mới", "đăng ký xe máy", "đăng ký ô tô", "biển số xe", "cà vẹt"),
    "1.001471": ("làm hộ chiếu ở cục", "hộ chiếu cấp trung ương"),
    "2.001195": (
        "đổi căn cước",
        "đổi cccd",
        "làm lại căn cước",
        "cấp đổi cccd",
        "đổi thẻ căn cước",
    ),
    "2.001159": ("thông báo lưu trú", "khai báo lưu trú", "báo lưu trú", "khai báo khách ở"),
    "2.000815": (
        "chứng thực bản sao",
        "công chứng bản sao",
        "sao y",
        "sao y bản chính",
        "photo công chứng",
    ),
    "1.001612": (
        "giấy phép kinh doanh",
        "đăng ký hộ kinh doanh",
        "mở hộ kinh doanh",
        "đăng ký kinh doanh",
        "giấy phép kinh doanh hộ gia đình",
    ),
    "2.000635": (
        "trích lục khai sinh",
        "bản sao giấy khai sinh",
        "xin bản sao khai sinh",
        "trích lục hộ tịch",
    ),
    "1.002759": ("cấp lại thẻ bhyt", "đổi sổ bhxh", "mất thẻ bảo hiểm y tế", "sửa thông tin bhxh"),
    "2.000986": (
        "khai sinh kèm nhập hộ khẩu và thẻ bhyt",
        "khai sinh nhập hộ khẩu thẻ bhyt",
        "liên thông khai sinh",
    ),
    "1.008309": ("quyết toán thuế tncn", "quyết toán thuế thu nhập cá nhân", "quyết toán thuế"),
    "1.002755": ("gia hạn tạm trú", "gia hạn đăng ký tạm trú"),
    "2.000200": (
        "làm căn cước",
        "làm cccd",
        "cccd",
        "cấp căn cước",
        "làm thẻ căn cước",
        "căn cước công dân",
    ),
    "2.001194": ("cấp lại căn cước", "mất căn cước", "mất cccd", "làm lại cccd"),
    "1.010039": ("điều chỉnh thông tin cư trú", "sửa thông tin cư trú", "sửa hộ khẩu"),
    "2.002023": ("giải thể doanh nghiệp", "giải thể công ty", "đóng cửa công ty"),
    "1.002051": ("đăng ký bhxh", "đóng bảo hiểm xã hội", "cấp sổ bhxh", "tham gia bhxh bắt buộc"),
    "1.001939": ("mua bảo hiểm y tế", "thẻ bhyt hộ gia đình", "bhyt tự nguyện", "đóng bhyt"),
    "1.001613": (
        "rút bảo hiểm một lần",
        "rút bhxh một lần",
        "bảo hiểm xã hội một lần",
        "bhxh 1 lần",
    ),
    "1.010028": ("xóa tạm trú", "xóa đăng ký tạm trú", "cắt tạm trú"),
    "1.000757": ("cấp lại căn cước ở cục", "mất căn cước cấp trung ương"),
    "2.001610": ("thành lập doanh nghiệp tư nhân", "mở doanh nghiệp tư nhân", "dntn"),
    "1.003677": ("khai báo tạm vắng", "tạm vắng", "báo tạm vắng"),
    "2.000720": (
        "thay đổi hộ kinh doanh",
        "sửa giấy phép kinh doanh hộ",
        "đổi thông tin hộ kinh doanh",
    ),
    "2.002029": ("tạm ngừng kinh doanh", "tạm dừng kinh doanh công ty"),
    "3.000347": ("đổi bằng lái", "đổi bằng lái xe", "đổi giấy phép lái xe", "đổi gplx"),
    "1.010038": ("tách hộ", "tách hộ khẩu", "tách khẩu"),
    "1.003197": ("xóa thường trú", "xóa hộ khẩu", "cắt hộ khẩu", "cắt khẩu"),
    "2.000693": ("thai sản", "chế độ thai sản", "hưởng thai sản", "tiền thai sản"),
    "1.010384": ("khôi phục hộ chiếu", "tìm lại hộ chiếu đã báo mất"),
    "2.002015": ("cập nhật thông tin doanh nghiệp", "bổ sung hồ sơ đăng ký doanh nghiệp"),
    "2.001583": ("thành lập công ty tnhh một thành viên", "mở công ty tnhh 1 thành viên"),
    "1.002179": ("bhxh tự nguyện", "đóng bảo hiểm xã hội tự nguyện", "tham gia bhxh tự nguyện"),
    "2.002235": ("khai thuế tncn tháng quý", "khai thuế thu nhập cá nhân"),
    "2.002041": ("đổi địa chỉ công ty", "đổi tên công ty", "thay đổi trụ sở doanh nghiệp"),
    "2.002020": ("đóng chi nhánh", "chấm dứt chi nhánh", "đóng văn phòng đại diện"),
    "3.000333": ("lý lịch tư pháp", "phiếu lý lịch tư pháp", "làm lý lịch tư pháp", "lltp"),
    "2.002045": ("thay đổi chi nhánh", "sửa đăng ký chi nhánh"),
    "1.005458": ("hủy tờ khai hải quan",),
    "2.002009": ("tăng vốn điều lệ", "thay đổi vốn điều lệ", "giảm vốn điều lệ"),
    "2.002184": ("khai bổ sung hải quan", "sửa tờ khai hải quan"),
    "2.002069": ("mở chi nhánh", "đăng ký chi nhánh", "lập văn phòng đại diện"),
    "3.000163": ("nộp đơn khởi kiện", "khởi kiện", "nộp đơn kiện", "kiện ra tòa"),
    "1.001445": ("báo mất hộ chiếu", "mất hộ chiếu", "trình báo mất passport"),
    "1.000889": ("đổi căn cước ở cục", "đổi cccd cấp trung ương"),
    "1.001266": ("đóng hộ kinh doanh", "chấm dứt hộ kinh doanh", "giải thể hộ kinh doanh"),
    "1.001247": ("làm căn cước ở cục", "cấp căn cước cấp trung ương"),
    "1.005280": ("thành lập hợp tác xã", "đăng ký hợp tác xã", "lập htx"),
    "1.010382": ("khôi phục hộ chiếu ở cục",),
    "2.002043": ("thành lập công ty cổ phần", "mở công ty cổ phần"),
    "3.000121": ("mở tài khoản kho bạc", "đăng ký mẫu dấu chữ ký kho bạc"),
    "3.000348": ("cấp lại bằng lái", "mất bằng lái xe", "làm lại giấy phép lái xe", "mất gplx"),
    "2.002018": (
        "cấp lại giấy phép kinh doanh công ty",
        "mất giấy chứng nhận đăng ký doanh nghiệp",
    ),
    "1.000703": ("giấy phép kinh doanh vận tải", "phù hiệu xe", "giấy phép vận tải ô tô"),
    "2.002516": ("xác nhận thông tin hộ tịch", "xác nhận hộ tịch"),
    "1.008327": ("khai bổ sung thuế", "khai bổ sung hồ sơ thuế"),
    "2.001410": ("đăng ký lại con dấu", "đăng ký lại mẫu dấu"),
    "1.010040": ("khai báo cư trú", "không đủ điều kiện đăng ký thường trú tạm trú"),
    "1.003135": ("bằng thuyền trưởng", "chứng chỉ chuyên môn thuyền viên", "bằng lái tàu"),
    "1.003460": ("thẻ tạm trú người nước ngoài", "thẻ tạm trú cho người nước ngoài"),
    "1.000894": ("đăng ký kết hôn", "làm giấy kết hôn", "giấy đăng ký kết hôn", "đk kết hôn"),
    "1.004873": (
        "giấy xác nhận tình trạng hôn nhân",
        "xác nhận độc thân",
        "giấy độc thân",
        "xác nhận tình trạng hôn nhân",
    ),
    "2.000539": ("báo mất hộ chiếu ở cục",),
    "2.000740": ("nhận lương hưu qua tài khoản", "chuyển lương hưu sang tài khoản ngân hàng"),
    "2.001199": ("thành lập công ty tnhh hai thành viên", "mở công ty tnhh 2 thành viên"),
    "2.001673": ("kiểm dịch thực vật nhập khẩu",),
    "1.001656": (
        "thanh toán trực tiếp bhyt",
        "hoàn tiền khám bệnh bhyt",
        "giấy không cùng chi trả",
    ),
    "1.003358": ("thẻ tạm trú người nước ngoài ở cục",),
    "1.007689": ("thuế cho thuê nhà", "khai thuế cho thuê nhà", "thuế cho thuê tài sản"),
    "1.001193": (
        "khai sinh",
        "làm giấy khai sinh",
        "khai sinh cho con",
        "đăng ký khai sinh",
        "giấy khai sinh",
    ),
    "1.000689": (
        "khai sinh kèm nhận cha con",
        "khai sinh nhận cha mẹ con",
        "nhận con và khai sinh",
    ),
    "1.004884": ("đăng ký lại khai sinh", "làm lại giấy khai sinh", "khai sinh lại"),
    "1.004772": ("khai sinh cho người lớn", "khai sinh cho người đã có giấy tờ", "khai sinh muộn"),
    "2.000528": (
        "khai sinh có yếu tố nước ngoài",
        "khai sinh con lai",
        "khai sinh cho con có bố mẹ nước ngoài",
    ),
    "1.003583": ("khai sinh lưu động",),
    "2.001023": ("khai sinh và thẻ bhyt cho trẻ", "liên thông khai sinh bảo hiểm y tế"),
    "2.000806": (
        "kết hôn với người nước ngoài",
        "đăng ký kết hôn có yếu tố nước ngoài",
        "lấy chồng nước ngoài",
    ),
    "1.004746": ("đăng ký lại kết hôn", "làm lại giấy kết hôn"),
    "1.000656": ("khai tử", "đăng ký khai tử", "làm giấy chứng tử", "báo tử"),
    "1.005461": ("đăng ký lại khai tử", "làm lại giấy chứng tử"),
    "1.001766": ("khai tử có yếu tố nước ngoài", "khai tử người nước ngoài"),
    "2.000884": ("chứng thực chữ ký", "công chứng chữ ký", "xác nhận chữ ký"),
    "2.000908": ("bản sao từ sổ gốc", "cấp bản sao từ sổ gốc", "xin bản sao bằng"),
    "1.013978": (
        "làm sổ đỏ",
        "sổ đỏ",
        "cấp sổ đỏ lần đầu",
        "sổ hồng",
        "giấy chứng nhận quyền sử dụng đất",
    ),
    "1.012783": ("đổi sổ đỏ", "cấp đổi sổ đỏ", "đổi sổ hồng"),
    "1.013831": ("sang tên sổ đỏ", "chuyển nhượng đất", "tách thửa", "thừa kế đất", "tặng cho đất"),
}


def _popularity(source: Path) -> dict[str, tuple[int, int]]:
    """Code → (rank, weight) from the top-1000 list."""
    rows = json.loads((source / POPULARITY_FILE).read_text(encoding="utf-8"))
    return {row["TTHC_MA"]: (rank, int(row["WEIGHT"])) for rank, row in enumerate(rows, 1)}


def _by_code(report: ParseReport) -> tuple[dict[str, tuple[str, ParseResult]], list[str]]:
    """Content code → (relative path, result); the first file of a page shared by several."""
    records: dict[str, tuple[str, ParseResult]] = {}
    shared: list[str] = []
    for path, result in report.results:
        if result.procedure is None:
            continue
        if result.procedure.code in records:
            shared.append(path)
            continue
        records[result.procedure.code] = (path, result)
    return records, shared


def _mismatched(report: ParseReport) -> dict[str, str]:
    """File code → the page's code, for records whose page is another procedure's."""
    return {
        Path(path).stem: result.procedure.code
        for path, result in report.results
        if result.procedure is not None and Path(path).stem != result.procedure.code
    }


def curated_codes(
    popularity: dict[str, tuple[int, int]], records: dict[str, tuple[str, ParseResult]]
) -> tuple[list[str], dict[str, str]]:
    """The curated codes (top-100 ones the database details, then `EXTRA_CODES`) and the
    top-100 codes left out, with why."""
    codes: list[str] = []
    left_out: dict[str, str] = {}
    for code, (rank, _weight) in sorted(popularity.items(), key=lambda kv: kv[1][0]):
        if rank > TOP:
            continue
        if code not in records:
            left_out[code] = "not in the database"
            continue
        codes.append(code)
    codes += [code for code in EXTRA_CODES if code not in codes]
    return codes, left_out


def build_entry(path: str, result: ParseResult, *, weight: int, verified_on: date) -> CatalogEntry:
    procedure = result.procedure
    assert procedure is not None
    answers = build_answers(procedure, cases=PRIMARY_CASES.get(procedure.code))
    return CatalogEntry(
        **{name: getattr(procedure, name) for name in Procedure.model_fields},
        source=Source(
            file=f"{RAW_DIR}/{path}",
            local_copy=f"sources/{procedure.code}.json",
            detail_url=procedure.url,
        ),
        verified_on=verified_on,
        aliases=ALIASES.get(procedure.code, ()),
        popularity=weight,
        answers=answers,
        issues=result.issues,
    )


def render(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render_index(
    records: dict[str, tuple[str, ParseResult]],
    popularity: dict[str, tuple[int, int]],
    mismatched: dict[str, str],
) -> str:
    """One line per procedure, most used first, then by code."""
    rows = []
    for code, (_path, result) in records.items():
        procedure = result.procedure
        assert procedure is not None
        rows.append(
            {
                "code": code,
                "name": procedure.name,
                "level": ", ".join(procedure.levels),
                "field": procedure.field,
                "popularity": popularity.get(code, (0, 0))[1],
            }
        )
    rows.sort(key=lambda row: (-int(str(row["popularity"])), str(row["code"])))
    lines = ",\n".join("    " + json.dumps(row, ensure_ascii=False) for row in rows)
    excluded = ",\n".join(
        "    " + json.dumps({"file_code": file_code, "page_code": page_code})
        for file_code, page_code in sorted(mismatched.items())
    )
    return (
        "{\n"
        f'  "source": "{RAW_DIR}",\n'
        f'  "count": {len(rows)},\n'
        '  "fields": ["code", "name", "level", "field", "popularity"],\n'
        f'  "procedures": [\n{lines}\n  ],\n'
        f'  "code_mismatches": [\n{excluded}\n  ]\n'
        "}\n"
    )


def planned_files(source: Path, *, verified_on: date) -> tuple[dict[str, bytes], str]:
    """Every file of the catalog directory (relative path → content) and a summary."""
    report = parse_directory(source / RAW_DIR)
    popularity = _popularity(source)
    records, shared = _by_code(report)
    mismatched = _mismatched(report)
    codes, left_out = curated_codes(popularity, records)
    for file_code, page_code in mismatched.items():
        if popularity.get(file_code, (TOP + 1, 0))[0] <= TOP:
            left_out[file_code] = f"its raw file holds another procedure's page ({page_code})"
    files: dict[str, bytes] = {}
    for code in codes:
        if code in mismatched:
            continue
        path, result = records[code]
        entry = build_entry(
            path, result, weight=popularity.get(code, (0, 0))[1], verified_on=verified_on
        )
        files[f"{code}.json"] = render(entry.model_dump(mode="json")).encode()
        files[f"sources/{code}.json"] = (source / RAW_DIR / path).read_bytes()
    files["index.json"] = render_index(records, popularity, mismatched).encode()
    summary = [
        report.summary(),
        f"{len(records)} distinct procedures ({len(shared)} files repeat another's page)",
        f"curated: {sum(1 for name in files if '/' not in name and name != 'index.json')}",
        *(f"left out {code}: {why}" for code, why in sorted(left_out.items())),
    ]
    return files, "\n".join(summary)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, required=True, help="the shared data directory")
    parser.add_argument("--output", type=Path, default=ROOT / "data" / "procedures")
    parser.add_argument("--verified-on", type=date.fromisoformat, default=VERIFIED_ON)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    files, summary = planned_files(args.source, verified_on=args.verified_on)
    output: Path = args.output
    existing = {p.name for p in entry_files(output)} | {
        f"sources/{p.name}" for p in (output / "sources").glob("*.json")
    }
    stale = sorted(existing - set(files))
    changed = sorted(
        name
        for name, content in files.items()
        if not (output / name).is_file() or (output / name).read_bytes() != content
    )
    if args.check:
        for name in changed:
            print(f"differs: {name}")
        for name in stale:
            print(f"stale: {name}")
        return 1 if changed or stale else 0
    (output / "sources").mkdir(parents=True, exist_ok=True)
    for name in changed:
        (output / name).write_bytes(files[name])
    for name in stale:
        (output / name).unlink()
    print(summary)
    print(f"written {len(changed)}, removed {len(stale)}, unchanged {len(files) - len(changed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
