"""Procedure search: a citizen's words -> the national procedures they mean, best first.

Built once from :class:`SearchEntry` values (official name, curated aliases, field, usage),
it answers queries typed the way people write to a one-stop centre: with or without
diacritics, with chat abbreviations (``dk``, ``cccd``), folk names (``sổ đỏ``, ``hộ
khẩu``), typos and regional spellings (``tạm chú``), inside whole questions (``cho em hỏi
làm lại căn cước bị mất cần giấy tờ gì ạ``).

Analysis, the same for names and queries: NFC, tokenize, fold (lowercase, no diacritics),
squeeze elongations, expand :data:`nlu.text.ABBREVIATIONS`, numbers one to ten as words,
drop function words. Citizen text (queries, aliases) is first rewritten with
:data:`core.procedures.synonyms.PHRASES` and also loses question words; an accentless word
that may be a function word stays when it forms an indexed bigram with a kept neighbour
(``can`` stays in ``can cuoc``, goes in ``can giay``). Query words that no text contains
are corrected from the vocabulary (phonetic variants, one or two edits with rapidfuzz,
words typed without spaces), and a typed word that pairs with neither neighbour is
replaced by a variant that does (``tam chu`` -> ``tam tru``, ``ho chiu`` -> ``ho
chieu``); phrases that only appear once corrected are then rewritten. An age ("con 10
tuổi") becomes the brackets of the catalog's age limits it falls in ("dưới 14 tuổi").

Scoring, over an inverted index of unigrams and bigrams weighted by BM25's IDF. Each name
and each alias is a text of its entry; a name's text also holds its field (lĩnh vực):

* recall ``R``: the share of the query's weight (of features that occur at all) that a
  text contains;
* precision ``P``: the share of the text's weight that the query covers, the text being
  the name without its parenthesised qualifications, its weight growing only as the
  square root past :data:`PRECISION_LENGTH`: the shortest text saying what was asked beats
  longer, more specific ones, yet a long name is not buried by its length;
* relevance ``(1 - PRECISION_WEIGHT) * R + PRECISION_WEIGHT * P``, the best over an
  entry's texts;
* score ``(1 - POPULARITY_WEIGHT) * relevance + POPULARITY_WEIGHT * log1p(popularity) /
  log1p(max popularity)``: among similar procedures the one citizens use most ranks first.

Every score is in [0, 1]. A query that contains an entry's code (``1.004194``) puts that
entry first with score 1.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from core.procedures.synonyms import (
    FUNCTION_WORDS,
    PHONETIC_FINALS,
    PHONETIC_ONSETS,
    PHRASES,
    QUESTION_WORDS,
)
from nlu.text import ABBREVIATIONS, fold, has_diacritics, nfc, tokenize

__all__ = [
    "AMBIGUITY_FLOOR",
    "AMBIGUITY_MARGIN",
    "ProcedureSearch",
    "SearchEntry",
    "SearchHit",
    "entries_from_raw",
    "is_ambiguous",
]

PRECISION_WEIGHT: Final = 0.3
POPULARITY_WEIGHT: Final = 0.1
BIGRAM_WEIGHT: Final = 1.0
PRECISION_LENGTH: Final = 40.0
PRECISION_LENGTH_EXPONENT: Final = 0.5

AMBIGUITY_FLOOR: Final = 0.35
"""Hits scoring below this are not taken as candidates for a clarifying question."""
AMBIGUITY_MARGIN: Final = 0.10
"""Two hits are close when the second scores at least ``1 - AMBIGUITY_MARGIN`` of the first."""

_CODE_RE: Final = re.compile(r"\d\.\d{6}")
_ELONGATION_RE: Final = re.compile(r"([a-z])\1{2,}")
_NUMBER_WORDS: Final = ("", "mot", "hai", "ba", "bon", "nam", "sau", "bay", "tam", "chin", "muoi")
_MAX_PHRASE: Final = max(len(p.split()) for p in PHRASES)
_PHRASES: Final = {tuple(k.split()): tuple(v.split()) for k, v in PHRASES.items()}
_FOLDED_STOP: Final = frozenset(fold(w) for w in FUNCTION_WORDS | QUESTION_WORDS)
_CACHE_LIMIT: Final = 50_000
_MAX_JOINED: Final = 40
_MAX_SYLLABLE: Final = 7
_PHONETIC_EVIDENCE: Final = 2
_EDIT_EVIDENCE: Final = 5
_MIN_EDIT_REPAIR_LENGTH: Final = 4
_COMMON_MIN_DF: Final = 50
_COMMON_SHARE: Final = 20  # a feature in more than 1/20 of the entries is common
_PARENTHESES_RE: Final = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class SearchEntry:
    """A searchable procedure.

    ``aliases`` are other names citizens use (matched like queries); ``popularity`` is
    relative usage (any scale, 0 when unknown); ``field`` is the procedure's field (lĩnh
    vực), matched as context of the name; ``level`` is carried for the caller.
    """

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    popularity: int = 0
    level: str | None = None
    field: str | None = None


class SearchHit(NamedTuple):
    code: str
    name: str
    score: float


@dataclass(frozen=True, slots=True)
class _Word:
    folded: str
    accented: str | None  # the lowercase word as typed, when it had diacritics
    fixed: bool = False  # from a phrase rewrite: never dropped, never corrected


# ------------------------------------------------------------------------- analysis


def _words(text: str) -> list[_Word]:
    out: list[_Word] = []
    for token in tokenize(nfc(text)):
        surface = token.text.lower()
        folded = fold(surface)
        if folded not in ABBREVIATIONS:  # "cccd" is an abbreviation, not an elongation
            folded = _ELONGATION_RE.sub(r"\1", folded)
        if folded.isdigit():
            n = int(folded)
            out.append(_Word(_NUMBER_WORDS[n] if 0 < n <= 10 else str(n), None))
            continue
        expansion = ABBREVIATIONS.get(folded)
        if expansion is not None:
            out.extend(_Word(w, None) for w in expansion.split())
        else:
            out.append(_Word(folded, surface if has_diacritics(surface) else None))
    return out


def _rewrite(words: list[_Word], touching: set[int] | None = None) -> list[_Word]:
    """Apply :data:`PHRASES`, longest match first, left to right; with ``touching``, only
    phrases that cover one of those positions."""
    out: list[_Word] = []
    keys = [w.folded for w in words]
    i = 0
    while i < len(words):
        for n in range(min(_MAX_PHRASE, len(words) - i), 0, -1):
            replacement = _PHRASES.get(tuple(keys[i : i + n]))
            if touching is not None and touching.isdisjoint(range(i, i + n)):
                replacement = None
            if replacement is not None:
                out.extend(_Word(w, None, fixed=True) for w in replacement)
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _rewrite_terms(terms: list[str], touching: set[int]) -> list[str]:
    """:func:`_rewrite` on bare words, without repeating a word twice in a row."""
    out: list[str] = []
    for word in _rewrite([_Word(t, None) for t in terms], touching):
        if not out or out[-1] != word.folded:
            out.append(word.folded)
    return out


def _official_terms(text: str) -> list[str]:
    terms = [w.folded for w in _words(text) if (w.accented or w.folded) not in FUNCTION_WORDS]
    if terms[:2] == ["thu", "tuc"] and len(terms) > 2:  # "Thủ tục đăng ký khai sinh"
        del terms[:2]
    return terms


def _citizen_terms(text: str, bigrams: frozenset[str] | set[str]) -> list[tuple[str, bool]]:
    """Citizen text -> (term, whether it comes from a phrase rewrite), function words out."""
    words = _rewrite(_words(text))
    keys = [w.folded for w in words]
    # True: kept; False: a function word; None: accentless and maybe a function word.
    keep: list[bool | None] = []
    for word in words:
        if word.fixed:
            keep.append(True)
        elif word.accented is not None:
            keep.append(word.accented not in FUNCTION_WORDS and word.accented not in QUESTION_WORDS)
        else:
            keep.append(True if word.folded not in _FOLDED_STOP else None)
    # An accentless maybe-function word stays when it forms an indexed bigram with a kept
    # neighbour: "can cuoc" (căn cước, not cần), "ban sao giay" (bản sao, not bạn).
    changed = True
    while changed:
        changed = False
        for i, state in enumerate(keep):
            if state is None and (
                (i > 0 and keep[i - 1] and f"{keys[i - 1]} {keys[i]}" in bigrams)
                or (i + 1 < len(keys) and keep[i + 1] and f"{keys[i]} {keys[i + 1]}" in bigrams)
            ):
                keep[i] = True
                changed = True
    out: list[tuple[str, bool]] = []
    for word, state in zip(words, keep, strict=True):
        if state and (not out or out[-1][0] != word.folded):
            out.append((word.folded, word.fixed))
    return out


def _age(term: str) -> int | None:
    """The number a term stands for, when it is one: "14" -> 14, "muoi" -> 10."""
    if term.isdigit():
        return int(term)
    return _NUMBER_WORDS.index(term) if term in _NUMBER_WORDS[1:] else None


def _age_limits(names: list[list[str]], before: str) -> list[int]:
    """The N of every "<before> N tuoi" in the names."""
    limits = {
        _age(terms[i + 1])
        for terms in names
        for i in range(len(terms) - 2)
        if terms[i] == before and terms[i + 2] == "tuoi"
    }
    return sorted(limit for limit in limits if limit is not None)


def _age_term(age: int) -> str:
    return _NUMBER_WORDS[age] if 0 < age <= 10 else str(age)


def _effective_mass(mass: float) -> float:
    """A text's weight for precision: itself up to :data:`PRECISION_LENGTH`, then growing
    sublinearly, so that a long name is not buried by its qualifications, yet a name that
    lists half the catalog does not match everything."""
    if mass <= PRECISION_LENGTH:
        return mass or 1.0
    return PRECISION_LENGTH * float((mass / PRECISION_LENGTH) ** PRECISION_LENGTH_EXPONENT)


def _features(terms: Sequence[str]) -> set[str]:
    features = set(terms)
    features.update(f"{a} {b}" for a, b in itertools.pairwise(terms))
    return features


def _onset_variants(word: str) -> list[str]:
    """``word`` with its first consonant swapped for one often confused with it."""
    for group in PHONETIC_ONSETS:
        for onset in group:
            if word.startswith(onset) and len(word) > len(onset):
                if onset == "d" and word.startswith("gi"):
                    continue
                rest = word[len(onset) :]
                return [other + rest for other in group if other != onset]
    return []


def _phonetic_variants(word: str) -> list[str]:
    """Onset and final confusions of ``word``, alone and combined."""
    onsets = [word, *_onset_variants(word)]
    variants: list[str] = []
    for candidate in onsets:
        variants.append(candidate)
        for group in PHONETIC_FINALS:
            for final in group:
                if candidate.endswith(final) and len(candidate) > len(final):
                    stem = candidate[: -len(final)]
                    variants.extend(stem + other for other in group if other != final)
                    break
    return [v for v in dict.fromkeys(variants) if v != word]


# -------------------------------------------------------------------------- search


class ProcedureSearch:
    """An inverted index over procedure names and aliases; build once, query often."""

    def __init__(self, entries: Iterable[SearchEntry]) -> None:
        self._entries: list[SearchEntry] = list(entries)
        self._by_code: dict[str, int] = {}
        for i, entry in enumerate(self._entries):
            if entry.code in self._by_code:
                raise ValueError(f"duplicate procedure code {entry.code!r}")
            self._by_code[entry.code] = i

        # Texts ("docs"), each scored on its own: every name (with its field), then every
        # alias. Precision counts only a name's core, without its field and parenthesised
        # qualifications ("(thực hiện tại cấp tỉnh)", "(áp dụng cho cả trường hợp ...)").
        names = [_official_terms(e.name) for e in self._entries]
        name_bigrams = frozenset(
            f"{a} {b}" for terms in names for a, b in itertools.pairwise(terms)
        )
        doc_entry: list[int] = list(range(len(self._entries)))
        doc_features: list[set[str]] = [
            _features(terms) | (_features(_official_terms(e.field)) if e.field else set())
            for terms, e in zip(names, self._entries, strict=True)
        ]
        doc_cores: list[set[str]] = [
            (_features(_official_terms(_PARENTHESES_RE.sub(" ", e.name))) & doc_features[i])
            or doc_features[i]
            for i, e in enumerate(self._entries)
        ]
        for i, entry in enumerate(self._entries):
            for alias in entry.aliases:
                terms = [term for term, _ in _citizen_terms(alias, name_bigrams)]
                if terms:
                    doc_entry.append(i)
                    doc_features.append(_features(terms))
                    doc_cores.append(doc_features[-1])
        self._doc_entry = doc_entry

        # Document frequencies over entries, so that many aliases do not make their own
        # words common.
        entry_features: list[set[str]] = [set() for _ in self._entries]
        for entry_index, features in zip(doc_entry, doc_features, strict=True):
            entry_features[entry_index] |= features
        df: dict[str, int] = {}
        for features in entry_features:
            for feature in features:
                df[feature] = df.get(feature, 0) + 1
        n = max(len(self._entries), 1)
        self._df = df
        self._weight: dict[str, float] = {
            f: math.log(1 + (n - d + 0.5) / (d + 0.5)) * (BIGRAM_WEIGHT if " " in f else 1.0)
            for f, d in df.items()
        }
        self._vocabulary: dict[str, int] = {f: d for f, d in df.items() if " " not in f}
        self._vocabulary_list: list[str] = sorted(self._vocabulary)
        self._bigrams: frozenset[str] = frozenset(f for f in df if " " in f)

        postings: dict[str, list[tuple[int, float]]] = {}
        for doc, (features, core) in enumerate(zip(doc_features, doc_cores, strict=True)):
            mass = _effective_mass(sum(self._weight[f] for f in core))
            for feature in features:
                share = self._weight[feature] / mass if feature in core else 0.0
                postings.setdefault(feature, []).append((doc, share))
        self._postings: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {
            f: (tuple(doc for doc, _ in p), tuple(share for _, share in p))
            for f, p in postings.items()
        }
        # Common features ("cap", "dang ky") are looked up only in the texts that a rarer
        # query feature found, when there is one: a text with none of the rarer features
        # cannot be among the best, and this halves the work of a typical query.
        common = max(_COMMON_MIN_DF, len(self._entries) // _COMMON_SHARE)
        self._common: dict[str, dict[int, float]] = {
            f: dict(p) for f, p in postings.items() if df[f] > common
        }

        top = max((e.popularity for e in self._entries), default=0)
        scale = math.log1p(top) if top > 0 else 1.0
        self._prior: list[float] = [
            POPULARITY_WEIGHT * math.log1p(max(e.popularity, 0)) / scale for e in self._entries
        ]
        # Age limits named in the catalog ("dưới 14 tuổi", "từ đủ 14 tuổi"), to read a
        # citizen's "con 10 tuổi" as the bracket it falls in.
        self._under_ages = _age_limits(names, "duoi")
        self._from_ages = _age_limits(names, "du")
        self._corrections: dict[tuple[str, str, str], tuple[str, ...]] = {}
        self._repairs: dict[tuple[str, str, str], str] = {}

    def __len__(self) -> int:
        return len(self._entries)

    # ------------------------------------------------------------------ queries

    def terms(self, query: str) -> list[str]:
        """The query as the index sees it: rewritten, without function words, corrected."""
        typed = self._age_brackets(_citizen_terms(query, self._bigrams))
        marked = self._repair_pairs(self._correct_words(typed))
        words = [word for word, _ in marked]
        if marked != typed:  # a phrase may show only once corrected: "khai sanh cho con"
            changed = {i for i, item in enumerate(marked) if item not in typed}  # not typed
            words = _rewrite_terms(words, changed)
        return words

    def _age_brackets(self, words: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
        """ "10 tuổi" -> "dưới 14 tuổi", for every age limit of the catalog that the age is
        under ("dưới N tuổi") or has reached ("từ đủ N tuổi"); an age said with its bracket
        ("dưới 14 tuổi") stays as it is."""
        out: list[tuple[str, bool]] = []
        i = 0
        while i < len(words):
            age = _age(words[i][0])
            brackets: list[tuple[str, int]] = []
            if (
                age is not None
                and i + 1 < len(words)
                and words[i + 1][0] == "tuoi"
                and not (i > 0 and words[i - 1][0] in ("duoi", "du", "tren", "tu"))
            ):
                brackets += [("duoi", limit) for limit in self._under_ages if age < limit]
                brackets += [("tu du", limit) for limit in self._from_ages if age >= limit]
            if not brackets:
                out.append(words[i])
                i += 1
                continue
            for bracket, limit in brackets:
                out += [(w, True) for w in (*bracket.split(), _age_term(limit), "tuoi")]
            i += 2
        return out

    def search(self, query: str, *, limit: int = 5) -> list[SearchHit]:
        """The entries that best match ``query``, best first, each scored in [0, 1]."""
        if limit <= 0:
            return []
        exact = self._codes_in(query)
        features = [f for f in _features(self.terms(query)) if f in self._postings]
        total = sum(self._weight[f] for f in features)
        scored: list[tuple[float, int]] = [(1.0, -entry) for entry in exact]
        if total > 0:
            recall, precision = self._accumulate(features)
            recall_scale = (1 - PRECISION_WEIGHT) * (1 - POPULARITY_WEIGHT) / total
            precision_scale = PRECISION_WEIGHT * (1 - POPULARITY_WEIGHT)
            doc_entry = self._doc_entry
            prior = self._prior
            best: dict[int, float] = {}
            for doc, matched in recall.items():
                share = precision[doc]
                score = (
                    recall_scale * matched
                    + precision_scale * (share if share < 1.0 else 1.0)
                    + prior[doc_entry[doc]]
                )
                entry = doc_entry[doc]
                if score > best.get(entry, 0.0):
                    best[entry] = score
            scored.extend((score, -entry) for entry, score in best.items())
        hits: list[SearchHit] = []
        seen: set[int] = set()
        for score, negative in heapq.nlargest(limit + len(exact), scored):
            entry = -negative
            if entry not in seen:
                seen.add(entry)
                e = self._entries[entry]
                hits.append(SearchHit(e.code, e.name, round(min(score, 1.0), 4)))
        return hits[:limit]

    def _accumulate(self, features: list[str]) -> tuple[dict[int, float], dict[int, float]]:
        """Matched weight (recall) and precision share per text, over the texts found."""
        recall: dict[int, float] = {}
        precision: dict[int, float] = {}
        rare = [f for f in features if f not in self._common]
        for feature in rare or features:
            weight = self._weight[feature]
            docs, shares = self._postings[feature]
            for doc, share in zip(docs, shares, strict=True):
                if doc in recall:
                    recall[doc] += weight
                    precision[doc] += share
                else:
                    recall[doc] = weight
                    precision[doc] = share
        if rare:
            found = list(recall)
            for feature in features:
                common = self._common.get(feature)
                if common is None:
                    continue
                weight = self._weight[feature]
                for doc in found:
                    common_share = common.get(doc)
                    if common_share is not None:
                        recall[doc] += weight
                        precision[doc] += common_share
        return recall, precision

    def _codes_in(self, query: str) -> list[int]:
        return [self._by_code[c] for c in _CODE_RE.findall(query) if c in self._by_code]

    # -------------------------------------------------------------- corrections

    def _context(self, candidate: str, before: str, after: str) -> int:
        """How many entries have ``candidate`` next to the query's neighbouring words."""
        df = self._df
        return (df.get(f"{before} {candidate}", 0) if before else 0) + (
            df.get(f"{candidate} {after}", 0) if after else 0
        )

    def _near(self, word: str, distance: int) -> list[str]:
        """Vocabulary words within ``distance`` edits of ``word``."""
        return [
            match
            for match, _, _ in process.extract(
                word,
                self._vocabulary_list,
                scorer=Levenshtein.distance,
                score_cutoff=distance,
                limit=20,
            )
            if match != word
        ]

    def _correct_words(self, words: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
        out: list[tuple[str, bool]] = []
        for i, (word, fixed) in enumerate(words):
            if fixed or word in self._vocabulary:
                out.append((word, fixed))
                continue
            before = out[-1][0] if out else ""
            after = words[i + 1][0] if i + 1 < len(words) else ""
            key = (before, word, after)
            corrected = self._corrections.get(key)
            if corrected is None:
                corrected = self._correct(word, before, after)
                if len(self._corrections) < _CACHE_LIMIT:
                    self._corrections[key] = corrected
            out.extend((c, False) for c in corrected)
        return out

    def _correct(self, word: str, before: str, after: str) -> tuple[str, ...]:
        """A word that no name contains -> the words it stands for, or none.

        Candidates are the word's phonetic variants ("chu" -> "tru") and vocabulary words
        within one edit (two for words longer than five letters); the one found next to
        the query's neighbouring words in most entries wins ("khai sanh" -> "sinh", not
        "xanh"). Without such evidence, words typed without spaces are split
        ("lylichtuphap"); otherwise the word is dropped: it matches nothing anyway.
        """
        if len(word) < 2 or word.isdigit():
            return ()
        candidates = {v for v in _phonetic_variants(word) if v in self._vocabulary}
        if len(word) >= 3:
            candidates.update(self._near(word, 1 if len(word) <= 5 else 2))
        if candidates:
            count, choice = max((self._context(c, before, after), c) for c in candidates)
            if count > 0:
                return (choice,)
        return self._split_joined(word)

    def _split_joined(self, word: str) -> tuple[str, ...]:
        """Words typed without spaces ("lylichtuphap") -> indexed words forming bigrams."""
        if len(word) > _MAX_JOINED:
            return ()
        # best[i]: the shortest split of word[:i] into vocabulary words, each pair indexed.
        best: list[tuple[str, ...] | None] = [None] * (len(word) + 1)
        best[0] = ()
        for end in range(1, len(word) + 1):
            for start in range(max(0, end - _MAX_SYLLABLE), end):
                head = best[start]
                piece = word[start:end]
                if head is None or piece not in self._vocabulary:
                    continue
                if head and f"{head[-1]} {piece}" not in self._bigrams:
                    continue
                current = best[end]
                if current is None or len(head) + 1 < len(current):
                    best[end] = (*head, piece)
        found = best[len(word)]
        return found if found is not None and len(found) > 1 else ()

    def _repair_pairs(self, words: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
        """A typed word that pairs with neither neighbour, replaced by a variant that does in
        enough entries: a phonetic variant in two ("tam chu" -> "tam tru"), a one-edit
        neighbour of a word of four letters or more in five ("ho chiu" -> "ho chieu")."""
        out = list(words)
        for i, (word, fixed) in enumerate(out):
            before = out[i - 1][0] if i > 0 else ""
            after = out[i + 1][0] if i + 1 < len(out) else ""
            if fixed or (not before and not after) or self._context(word, before, after):
                continue
            key = (before, word, after)
            repaired = self._repairs.get(key)
            if repaired is None:
                repaired = word
                phonetic = set(_phonetic_variants(word)) & self._vocabulary.keys()
                near = self._near(word, 1) if len(word) >= _MIN_EDIT_REPAIR_LENGTH else []
                best = 0
                for candidate in (*phonetic, *near):
                    count = self._context(candidate, before, after)
                    needed = _PHONETIC_EVIDENCE if candidate in phonetic else _EDIT_EVIDENCE
                    if count >= needed and count > best:
                        repaired, best = candidate, count
                if len(self._repairs) < _CACHE_LIMIT:
                    self._repairs[key] = repaired
            out[i] = (repaired, False)
        return out


def is_ambiguous(hits: Sequence[SearchHit]) -> bool:
    """Whether the bot should ask which procedure is meant rather than pick the first.

    True when the two best hits are close: both score at least :data:`AMBIGUITY_FLOOR`
    and the second scores at least ``(1 - AMBIGUITY_MARGIN)`` times the first (within
    10 %).
    """
    if len(hits) < 2:
        return False
    first, second = hits[0].score, hits[1].score
    return second >= AMBIGUITY_FLOOR and second >= first * (1 - AMBIGUITY_MARGIN)


def entries_from_raw(directory: Path, popularity: dict[str, int]) -> list[SearchEntry]:
    """Entries from the national database crawl: ``<directory>/<ministry>/<code>.json``.

    The name is ``ten_thu_tuc`` with its whitespace collapsed, the level ``cap_thuc_hien``,
    the code ``ma_thu_tuc``; popularity is looked up by code (0 when absent).
    """
    entries: list[SearchEntry] = []
    for path in sorted(directory.glob("*/*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        code = str(record["ma_thu_tuc"]).strip()
        level = record.get("cap_thuc_hien")
        entries.append(
            SearchEntry(
                code=code,
                name=" ".join(str(record["ten_thu_tuc"]).split()),
                popularity=popularity.get(code, 0),
                level=" ".join(level.split()) if isinstance(level, str) and level else None,
                field=record.get("linh_vuc") or None,
            )
        )
    return entries
