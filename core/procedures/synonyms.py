"""Citizen vocabulary for procedure search: folk names, intents, question words, typos.

:data:`PHRASES` rewrites citizen text (queries and curated aliases), never official names.
Keys and replacements are folded (lowercase, no diacritics, see :func:`nlu.text.fold`) and
tokenized as :mod:`core.procedures.search` does, after chat abbreviations are expanded
(``cccd`` arrives as ``can cuoc cong dan``). A replacement is a phrase in the words of
official names, or ``""`` to delete a phrase that only asks (``giay to gi``, ``mat bao
lau``). At each position the longest phrase wins; replacements are not rewritten again.

:data:`FUNCTION_WORDS` and :data:`QUESTION_WORDS` are accented, because after folding many
of them are also content words (``cần``/``căn``, ``thế``/``thẻ``, ``làm``/``lâm``,
``bạn``/``bản``, ``mấy``/``máy``): an accented word is dropped only when spelled exactly
so; an accentless one only when it forms no indexed bigram with a kept neighbour.

:data:`PHONETIC_ONSETS` and :data:`PHONETIC_FINALS` are the spellings that regional
pronunciation confuses, tried when a typed word is unknown or pairs with neither neighbour.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = [
    "FUNCTION_WORDS",
    "PHONETIC_FINALS",
    "PHONETIC_ONSETS",
    "PHRASES",
    "QUESTION_WORDS",
]

_LAND_CERTIFICATE: Final = "giay chung nhan quyen su dung dat"
_IDENTITY_CARD: Final = "the can cuoc"
_DRIVING_LICENCE: Final = "giay phep lai xe"
_VEHICLE_REGISTRATION: Final = "chung nhan dang ky xe"
_SOCIAL_INSURANCE: Final = "bao hiem xa hoi"
_CIVIL_STATUS_CHANGE: Final = "thay doi cai chinh bo sung thong tin ho tich"
# Citizens who say "sổ đỏ" are households and individuals, not organisations.
_FIRST_CERTIFICATE: Final = f"dang ky dat dai cap {_LAND_CERTIFICATE} lan dau ho gia dinh ca nhan"

PHRASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        # ---------------------------------------------------------------- question words
        "cho hoi": "",
        "cho em hoi": "",
        "cho minh hoi": "",
        "cho toi hoi": "",
        "cho chau hoi": "",
        "xin hoi": "",
        "giay to gi": "",
        "giay to nao": "",
        "giay to gom": "",
        "nhung giay to": "",
        "can nhung gi": "",
        "can gi": "",
        "can mang": "",
        "can chuan bi": "",
        "ho so gom": "",
        "ho so can": "",
        "bao nhieu tien": "",
        "het bao nhieu": "",
        "mat bao lau": "",
        "mat bao nhieu": "",
        "mat may ngay": "",
        "bao lau": "",
        "bao nhieu ngay": "",
        "may ngay": "",
        "le phi bao nhieu": "",
        "le phi la bao nhieu": "",
        "phi bao nhieu": "",
        "ton bao nhieu": "",
        "o dau": "",
        "cho nao": "",
        "nop o dau": "",
        "nhu the nao": "",
        "the nao": "",
        "ra sao": "",
        "lam sao": "",
        "lam the nao": "",
        "lam gi": "",
        "duoc khong": "",
        "co duoc khong": "",
        "phai lam gi": "",
        "thu tuc": "",
        "quy trinh": "",
        "huong dan lam": "",
        "huong dan cach": "",
        "giup em": "",
        "giup minh": "",
        "giup toi": "",
        # ------------------------------------------------------------ identity, residence
        "can cuoc cong dan": _IDENTITY_CARD,
        "chung minh nhan dan": f"chung minh nhan dan {_IDENTITY_CARD}",
        "chung minh thu nhan dan": f"chung minh nhan dan {_IDENTITY_CARD}",
        "chung minh thu": f"chung minh nhan dan {_IDENTITY_CARD}",
        "can cuoc gan chip": _IDENTITY_CARD,
        "can cuoc": _IDENTITY_CARD,
        "dinh danh dien tu": "tai khoan dinh danh dien tu",
        "vneid": "dinh danh dien tu",
        "muc hai": "muc do hai",
        "muc mot": "muc do mot",
        "xuat canh nhap canh": "xuat nhap canh",
        "ho khau": "thuong tru",
        "nhap khau vao": "dang ky thuong tru",
        "nhap khau cho": "dang ky thuong tru",
        "nhap ho khau": "dang ky thuong tru",
        "chuyen khau": "dang ky thuong tru",
        "chuyen ho khau": "dang ky thuong tru",
        "cat khau": "xoa dang ky thuong tru",
        "cat ho khau": "xoa dang ky thuong tru",
        "tach khau": "tach ho",
        "tach ho khau": "tach ho",
        "so tam tru": "tam tru",
        "khai bao tam tru": "khai bao dang ky tam tru",
        "bao tam tru": "dang ky tam tru",
        "khai bao luu tru": "thong bao luu tru",
        "bao luu tru": "thong bao luu tru",
        "xac nhan cu tru": "xac nhan thong tin ve cu tru",
        "xac nhan noi cu tru": "xac nhan thong tin ve cu tru",
        "sua thong tin": "dieu chinh thong tin",
        "giay xac nhan cu tru": "xac nhan thong tin ve cu tru",
        "ct07": "xac nhan thong tin ve cu tru",
        "passport": "ho chieu",
        "pasport": "ho chieu",
        "visa": "thi thuc",
        # ------------------------------------------------------------------ foreign element
        **{
            country: f"{country} yeu to nuoc ngoai"
            for country in (
                "han quoc",
                "nhat ban",
                "dai loan",
                "trung quoc",
                "hoa ky",
                "nuoc my",
                "nguoi my",
                "nuoc uc",
                "nuoc phap",
                "nuoc duc",
                "nuoc nga",
                "nuoc lao",
                "canada",
                "singapore",
                "thai lan",
                "campuchia",
                "viet kieu",
            )
        },
        "nguoi nuoc ngoai": "nguoi nuoc ngoai yeu to",
        "khach nuoc ngoai": "nguoi nuoc ngoai",
        # ------------------------------------------------------------------ civil status
        "lam khai sinh": "dang ky khai sinh",
        "lam giay khai sinh": "dang ky khai sinh",
        "khai sinh cho con": "dang ky khai sinh",
        "khai sinh cho be": "dang ky khai sinh",
        "khai sinh cho chau": "dang ky khai sinh",
        "khai sinh cho tre": "dang ky khai sinh",
        "giay khai sinh cho con": "dang ky khai sinh",
        "giay khai sinh cho be": "dang ky khai sinh",
        "lam giay ket hon": "dang ky ket hon",
        "giay dang ky ket hon": "dang ky ket hon",
        "giay ket hon": "dang ky ket hon",
        "lay vo": "dang ky ket hon",
        "lay chong": "dang ky ket hon",
        "giay doc than": "xac nhan tinh trang hon nhan",
        "xac nhan doc than": "xac nhan tinh trang hon nhan",
        "chung nhan doc than": "xac nhan tinh trang hon nhan",
        "giay bao tu": "dang ky khai tu",
        "bao tu": "dang ky khai tu",
        "lam khai tu": "dang ky khai tu",
        "qua doi": "khai tu",
        "trich luc khai sinh": "ban sao trich luc ho tich ban sao giay khai sinh",
        "trich luc ket hon": "ban sao trich luc ho tich",
        "trich luc khai tu": "ban sao trich luc ho tich",
        "ban sao khai sinh": "ban sao giay khai sinh",
        "sao y": "chung thuc ban sao",
        "sao y ban chinh": "chung thuc ban sao tu ban chinh",
        "photo cong chung": "chung thuc ban sao",
        "cong chung ban sao": "chung thuc ban sao",
        "cong chung giay to": "chung thuc ban sao giay to",
        "cong chung chu ky": "chung thuc chu ky",
        "doi ten cho con": _CIVIL_STATUS_CHANGE,
        "doi ten con": _CIVIL_STATUS_CHANGE,
        "sua ten": _CIVIL_STATUS_CHANGE,
        "lam ho so": "",
        "nop ho so": "",
        "cai chinh": "thay doi cai chinh",
        "sua ngay sinh": _CIVIL_STATUS_CHANGE,
        "sua nam sinh": _CIVIL_STATUS_CHANGE,
        "doi dan toc": _CIVIL_STATUS_CHANGE,
        "nhan con": "nhan cha me con",
        "nhan bo": "nhan cha me con",
        "nhan cha": "nhan cha me con",
        "nhan con nuoi": "nuoi con nuoi",
        "xin con nuoi": "nuoi con nuoi",
        "lltp": "ly lich tu phap",
        "li lich": "ly lich",
        "li lich tu phap": "ly lich tu phap",
        "ly lich tu phap": "phieu ly lich tu phap",
        "nhap quoc tich": "nhap quoc tich viet nam",
        # ------------------------------------------------------------------- land
        "so do": _LAND_CERTIFICATE,
        "so hong": _LAND_CERTIFICATE,
        "bia do": _LAND_CERTIFICATE,
        "so nha dat": _LAND_CERTIFICATE,
        "giay to nha dat": _LAND_CERTIFICATE,
        "giay chung nhan quyen su dung dat": _LAND_CERTIFICATE,
        "lam so do lan dau": _FIRST_CERTIFICATE,
        "lam so do": _FIRST_CERTIFICATE,
        "cap so do": _FIRST_CERTIFICATE,
        "chuyen muc dich": "chuyen muc dich su dung",
        "hop dong": "hop dong giao dich",
        "sang ten so do": "dang ky bien dong chuyen nhuong quyen su dung dat",
        "sang ten so hong": "dang ky bien dong chuyen nhuong quyen su dung dat",
        "sang ten nha dat": "dang ky bien dong chuyen nhuong quyen su dung dat",
        "sang ten dat": "dang ky bien dong chuyen nhuong quyen su dung dat",
        "mua ban dat": "chuyen nhuong quyen su dung dat",
        "mua dat": "chuyen nhuong quyen su dung dat",
        "ban dat": "chuyen nhuong quyen su dung dat",
        "cho dat": "tang quyen su dung dat",
        "thua ke dat": "thua ke quyen su dung dat",
        "chia tach thua": "tach thua",
        "manh dat": "thua dat",
        "lo dat": "thua dat",
        "tach so": "tach thua dat",
        "tach so do": "tach thua dat",
        "gop so": "hop thua dat",
        "len tho cu": "chuyen muc dich su dung dat",
        "chuyen dat vuon": "chuyen muc dich su dung dat",
        "chuyen len dat o": "chuyen muc dich su dung dat",
        "tranh chap dat": "tranh chap dat dai",
        "the chap so do": "dang ky bien phap bao dam bang quyen su dung dat",
        "the chap nha dat": "dang ky bien phap bao dam bang quyen su dung dat",
        "the chap dat": "dang ky bien phap bao dam bang quyen su dung dat",
        "huy dang ky": "xoa dang ky",
        "chia thua ke": "phan chia di san",
        "sua so do": "dinh chinh giay chung nhan",
        "sua so hong": "dinh chinh giay chung nhan",
        "xoa the chap": "xoa dang ky bien phap bao dam",
        "giai chap": "xoa dang ky bien phap bao dam",
        # ------------------------------------------------------------- vehicles, licences
        "bang lai xe": _DRIVING_LICENCE,
        "bang lai": _DRIVING_LICENCE,
        "bang lai quoc te": f"{_DRIVING_LICENCE} quoc te",
        "giay phep lai": _DRIVING_LICENCE,
        "ca vet xe": _VEHICLE_REGISTRATION,
        "ca vet": _VEHICLE_REGISTRATION,
        "cavet": _VEHICLE_REGISTRATION,
        "giay dang ky xe": _VEHICLE_REGISTRATION,
        "bam bien": "cap bien so xe",
        "bam bien so": "cap bien so xe",
        "xe moi mua": "dang ky xe lan dau",
        "moi mua": "lan dau",
        "xe may": "xe",
        # ---------------------------------------------------------------- business, tax
        "giay phep kinh doanh": "dang ky thanh lap ho kinh doanh",
        "giay phep kinh doanh ca the": "dang ky thanh lap ho kinh doanh",
        "kinh doanh ca the": "ho kinh doanh",
        "ho kinh doanh ca the": "ho kinh doanh",
        "ho ca the": "ho kinh doanh",
        "mo quan": "dang ky thanh lap ho kinh doanh",
        "mo cua hang": "dang ky thanh lap ho kinh doanh",
        "mo tiem": "dang ky thanh lap ho kinh doanh",
        "dong cua hang": "cham dut hoat dong ho kinh doanh",
        "nghi kinh doanh": "tam ngung kinh doanh",
        "ngung kinh doanh": "tam ngung kinh doanh",
        "tam ngung kinh doanh": "tam ngung kinh doanh",
        "tam nghi": "tam ngung",
        "dang ky ho kinh doanh": "dang ky thanh lap ho kinh doanh",
        "cap lai giay phep kinh doanh": "cap lai giay chung nhan dang ky ho kinh doanh",
        "lam lai giay phep kinh doanh": "cap lai giay chung nhan dang ky ho kinh doanh",
        "mat giay phep kinh doanh": "mat giay chung nhan dang ky ho kinh doanh",
        "cong ty": "cong ty doanh nghiep",
        "thanh lap cong ty": "dang ky thanh lap cong ty",
        "mo cong ty": "dang ky thanh lap cong ty",
        "chuyen tru so": "thay doi dia chi tru so",
        "dong cua cong ty": "giai the doanh nghiep",
        "giai the cong ty": "giai the doanh nghiep",
        "tu quyet toan": "quyet toan truc tiep",
        "dang ky ma so thue": "dang ky thue",
        "thue tncn": "thue thu nhap ca nhan",
        "tncn": "thu nhap ca nhan",
        # ---------------------------------------------------------- insurance, benefits
        "rut bao hiem xa hoi": f"huong {_SOCIAL_INSURANCE}",
        "rut bao hiem": f"huong {_SOCIAL_INSURANCE}",
        "lanh bao hiem xa hoi": f"huong {_SOCIAL_INSURANCE}",
        "so bao hiem": f"so {_SOCIAL_INSURANCE}",
        "so bao hiem xa hoi": f"so {_SOCIAL_INSURANCE}",
        "thai san": "che do thai san",
        "che do thai san": "che do thai san",
        "che do sinh con": "che do thai san",
        "tien sinh con": "che do thai san",
        "tu tuat": "che do tu tuat",
        "che do tu tuat": "che do tu tuat",
        # ---------------------------------------------------------------- verbs, intents
        "lam lai": "cap lai",
        "xin lai": "cap lai",
        "lam moi lai": "cap lai",
        "cap moi lai": "cap lai",
        "danh mat": "bi mat",
        "lam mat": "bi mat",
        "bi hong": "hu hong",
        "doi moi": "cap doi",
        "lam moi": "cap",
        "xin cap": "cap",
    }
)
"""Folded citizen phrase -> folded replacement in official words ("" deletes)."""

_FUNCTION_WORDS: Final = (
    "của và các những hoặc là đối với tại trong theo có được đã thì mà để khi nếu cho"
)
FUNCTION_WORDS: Final = frozenset(_FUNCTION_WORDS.split())
"""Accented function words dropped from official names and from citizen text alike."""

_QUESTION_WORDS: Final = """
    a ạ à ơi ới ợi nhé nha nhe vậy dạ ừ ok
    em anh chị tôi tui mình chúng ta cháu bạn ad admin ai
    con ở hỏi xin muốn cần phải nên sắp vừa sẽ rồi chưa còn vì
    làm thế nào gì sao đâu bao nhiêu lâu mấy không ko đi đến tới
    cách giúp dùm giùm nhờ vui lòng nay hôm bây giờ nữa luôn
"""
QUESTION_WORDS: Final = frozenset(_QUESTION_WORDS.split())
"""Accented words of questions and politeness, dropped from citizen text only."""

PHONETIC_ONSETS: Final[tuple[tuple[str, ...], ...]] = (
    ("tr", "ch"),
    ("s", "x"),
    ("gi", "d", "r", "v"),
    ("l", "n"),
)
"""Syllable onsets written for one another: tr/ch, s/x, d/gi/r/v, l/n."""

PHONETIC_FINALS: Final[tuple[tuple[str, ...], ...]] = (
    ("ng", "n"),
    ("c", "t"),
    ("y", "i"),
)
"""Syllable finals written for one another: ng/n, c/t, y/i."""
