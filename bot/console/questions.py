"""Questions the assistant did not understand, grouped by similarity, and their export as
Rasa NLU training examples.

A question counts as not understood when its intent is `nlu_fallback` or `out_of_scope`, or its
confidence is below `LOW_CONFIDENCE`. Grouping is greedy over the newest questions first: each
question joins the group whose first (newest) question is the most similar to it, when that
similarity (rapidfuzz `token_set_ratio` of the diacritic-folded texts) reaches `THRESHOLD`;
otherwise it starts a new group. So groups come out newest first, and the same rows always give
the same groups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import yaml
from rapidfuzz import fuzz, process

from nlu.text import fold

LOW_CONFIDENCE: Final = 0.5
UNDERSTOOD_NOT: Final = ("nlu_fallback", "out_of_scope")
THRESHOLD: Final = 70.0
UNLABELLED: Final = "unlabelled"
DOMAIN_FILE: Final = Path(__file__).resolve().parents[2] / "nlu" / "domain.yml"


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    text: str
    at: datetime
    channel: str
    intent: str | None
    confidence: float | None


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    """Questions alike; `questions[0]` is the newest and names the group (`key`)."""

    questions: tuple[Question, ...]

    @property
    def key(self) -> int:
        return self.questions[0].id

    @property
    def newest(self) -> datetime:
        return self.questions[0].at

    @property
    def suggested_intent(self) -> str:
        """The intent the assistant guessed most often in this group, if it is a real one."""
        guesses = [q.intent for q in self.questions if q.intent and q.intent not in UNDERSTOOD_NOT]
        return max(set(guesses), key=guesses.count) if guesses else UNLABELLED


def group_questions(
    questions: Iterable[Question], *, threshold: float = THRESHOLD
) -> list[QuestionGroup]:
    """Groups `questions` (given newest first) as the module docstring says."""
    heads: list[str] = []
    members: list[list[Question]] = []
    for question in questions:
        folded = fold(question.text)
        best = process.extractOne(
            folded, heads, scorer=fuzz.token_set_ratio, score_cutoff=threshold
        )
        if best is None:
            heads.append(folded)
            members.append([question])
        else:
            members[best[2]].append(question)
    return [QuestionGroup(tuple(group)) for group in members]


# CONTRACT §3: the intents training data may add to, never rename.
CONTRACT_INTENTS: Final = (
    "greet",
    "goodbye",
    "thank",
    "bot_challenge",
    "affirm",
    "deny",
    "out_of_scope",
    "check_dossier_status",
    "ask_required_documents",
    "ask_processing_time",
    "ask_fee",
    "ask_office_info",
    "ask_online_submission",
    "ask_result_delivery",
    "subscribe_notifications",
    "unsubscribe_notifications",
    "request_human",
    "give_feedback",
)


def domain_intents(path: Path = DOMAIN_FILE) -> tuple[str, ...]:
    """The intents of the Rasa domain, in their order there; the contract's intents when the
    domain file is not there (an install without the Rasa project)."""
    if not path.is_file():
        return CONTRACT_INTENTS
    with path.open(encoding="utf-8") as stream:
        domain = yaml.safe_load(stream)
    intents: list[str] = []
    for item in domain.get("intents", []):
        # An intent is a name, or a one-key mapping `{name: {options}}`.
        name = item if isinstance(item, str) else next(iter(item))
        intents.append(str(name))
    return tuple(intents)


_SPACE = re.compile(r"\s+")


def _example(text: str) -> str:
    one_line = _SPACE.sub(" ", text).strip()
    # A YAML block scalar may not hold control characters.
    return "".join(c for c in one_line if c.isprintable())


def rasa_nlu_yaml(labelled: Sequence[tuple[str, Sequence[str]]]) -> str:
    """Rasa 3 NLU training data (`version: "3.1"`) from (intent, example texts) pairs.

    Pairs with the same intent become one block; each example is one line (line breaks and
    runs of spaces become one space) and appears once. Blocks keep the order of first mention.
    Returns the text of the YAML file; it always parses back to the same examples.
    """
    blocks: dict[str, list[str]] = {}
    for intent, texts in labelled:
        examples = blocks.setdefault(intent, [])
        for text in texts:
            example = _example(text)
            if example and example not in examples:
                examples.append(example)
    lines = ['version: "3.1"', "nlu:"]
    for intent, examples in blocks.items():
        if not examples:
            continue
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in examples)
    if len(lines) == 2:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"
