"""Chat abbreviations and teencode, expanded on folded (accentless, lowercase) words.

Policy: an entry exists only when its expansion is unambiguous for people
writing to a one-stop public administration centre. Keys and expansions are
folded, because expansion runs after :func:`nlu.text.normalize.fold`, so a key
also stands for every accented word that folds to it.

Deliberately left out because they have two common meanings here:

* ``a`` (anh) - ``à`` and the polite ``ạ`` fold to ``a`` too;
* ``c`` (chị / có), ``bn`` (bạn / bao nhiêu), ``bh`` and ``bgio``
  (bây giờ / bao giờ), ``bt`` (biết / bình thường), ``mk`` (mình / mật khẩu);
* ``tt`` (thủ tục / thông tin / thông tư / tạm trú / thanh toán),
  ``tp`` (thành phố / thành phần), ``gt`` (giấy tờ / giới thiệu / giới tính),
  ``dt`` (điện thoại / diện tích), ``ck`` (chuyển khoản / chồng),
  ``tk`` (tài khoản / thanks), ``qd`` (quyết định / quy định);
* ``hong`` and ``hem`` (không / hồng / hông), ``kg`` (không / kilogram).

No expansion word is itself a key, so expanding twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["ABBREVIATIONS", "expand_abbreviations", "expand_word"]

ABBREVIATIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        # negation
        "ko": "khong",
        "k": "khong",
        "k0": "khong",
        "kh": "khong",
        "khg": "khong",
        "khog": "khong",
        "hok": "khong",
        "khum": "khong",
        "kp": "khong phai",
        # được, chưa, rồi, đang, nữa
        "dc": "duoc",
        "chx": "chua",
        "r": "roi",
        "dag": "dang",
        "nx": "nua",
        # question words
        "j": "gi",
        "ji": "gi",
        "ntn": "nhu the nao",
        "ntnao": "nhu the nao",
        "bnh": "bao nhieu",
        "bnhieu": "bao nhieu",
        "bnhiu": "bao nhieu",
        "baonhieu": "bao nhieu",
        "nhiu": "nhieu",
        "baolau": "bao lau",
        # people and forms of address
        "mik": "minh",
        "mn": "moi nguoi",
        "mng": "moi nguoi",
        "t": "toi",
        "e": "em",
        "ng": "nguoi",
        "ace": "anh chi em",
        "ad": "admin",
        # particles and common chat words
        "vs": "voi",
        "v": "vay",
        "z": "vay",
        "zay": "vay",
        "dzay": "vay",
        "ak": "a",
        "ah": "a",
        "uh": "u",
        "uhm": "u",
        "um": "u",
        "uk": "u",
        "uki": "u",
        "ui": "oi",
        "wa": "qua",
        "lun": "luon",
        "cx": "cung",
        "cg": "cung",
        "cug": "cung",
        "ms": "moi",
        "trc": "truoc",
        "lm": "lam",
        "bik": "biet",
        "bjk": "biet",
        "bjt": "biet",
        "ns": "noi",
        "mun": "muon",
        "zo": "vao",
        "dzo": "vao",
        "thg": "thang",
        "hnay": "hom nay",
        "hqua": "hom qua",
        # thanks, ok
        "tks": "cam on",
        "thks": "cam on",
        "thx": "cam on",
        "thanks": "cam on",
        "thank": "cam on",
        "thanx": "cam on",
        "camon": "cam on",
        "oke": "ok",
        "okk": "ok",
        "oki": "ok",
        "okie": "ok",
        "okay": "ok",
        "okey": "ok",
        "okela": "ok",
        "oce": "ok",
        # administrative vocabulary
        "hs": "ho so",
        "hoso": "ho so",
        "thutuc": "thu tuc",
        "tthc": "thu tuc hanh chinh",
        "lephi": "le phi",
        "kq": "ket qua",
        "kqua": "ket qua",
        "ketqua": "ket qua",
        "gto": "giay to",
        "giayto": "giay to",
        "ttin": "thong tin",
        "thongtin": "thong tin",
        "ktra": "kiem tra",
        "dk": "dang ky",
        "dky": "dang ky",
        "dki": "dang ky",
        "dangky": "dang ky",
        "dkks": "dang ky khai sinh",
        "dkkh": "dang ky ket hon",
        "khaisinh": "khai sinh",
        "kethon": "ket hon",
        "gks": "giay khai sinh",
        "tamtru": "tam tru",
        "thuongtru": "thuong tru",
        "cutru": "cu tru",
        "cccd": "can cuoc cong dan",
        "cancuoc": "can cuoc",
        "cmnd": "chung minh nhan dan",
        "cmt": "chung minh thu",
        "cmtnd": "chung minh thu nhan dan",
        "hochieu": "ho chieu",
        "sdt": "so dien thoai",
        "gplx": "giay phep lai xe",
        "gcn": "giay chung nhan",
        "qsdd": "quyen su dung dat",
        "gcnqsdd": "giay chung nhan quyen su dung dat",
        "dvc": "dich vu cong",
        "dvcqg": "dich vu cong quoc gia",
        "hcc": "hanh chinh cong",
        "bpmc": "bo phan mot cua",
        "ubnd": "uy ban nhan dan",
        "hdnd": "hoi dong nhan dan",
        "cq": "co quan",
        "cty": "cong ty",
        "tnhh": "trach nhiem huu han",
        "mst": "ma so thue",
        "gpkd": "giay phep kinh doanh",
        "dkkd": "dang ky kinh doanh",
        "hkd": "ho kinh doanh",
        "bhxh": "bao hiem xa hoi",
        "bhyt": "bao hiem y te",
        # English loanwords of chat, to the Vietnamese words the training data uses
        "yes": "co",
        "yeah": "co",
        "yea": "co",
        "yep": "co",
        "yup": "co",
        "nope": "khong",
        "hi": "xin chao",
        "hello": "xin chao",
        "helo": "xin chao",
        "hey": "xin chao",
        "bye": "tam biet",
        "byebye": "tam biet",
        "sorry": "xin loi",
        # places
        "vn": "viet nam",
        "hcm": "ho chi minh",
        "tphcm": "thanh pho ho chi minh",
    }
)
"""Folded abbreviation -> folded expansion (one or more words, space-separated)."""

_EXPANSIONS: Final[dict[str, tuple[str, ...]]] = {
    key: tuple(value.split()) for key, value in ABBREVIATIONS.items()
}


def expand_word(word: str) -> tuple[str, ...]:
    """The expansion of one folded word (the word itself if it is no abbreviation)."""
    return _EXPANSIONS.get(word, (word,))


def expand_abbreviations(words: Iterable[str]) -> list[str]:
    """Expand abbreviations in a list of folded lowercase words.

    >>> expand_abbreviations(["ko", "dc"])
    ['khong', 'duoc']
    >>> expand_abbreviations(["tthc"])
    ['thu', 'tuc', 'hanh', 'chinh']
    """
    out: list[str] = []
    get = _EXPANSIONS.get
    for word in words:
        expansion = get(word)
        if expansion is None:
            out.append(word)
        else:
            out.extend(expansion)
    return out
