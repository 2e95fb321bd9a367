"""Reads the NLU training data (Rasa YAML) without Rasa: for the linter tests and benchmarks."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "data" / "nlu"
# [text]{"entity": ..., "value": ...}  or  [text](entity)
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\{(?P<json>[^}]*)\}|\((?P<name>[^)]+)\))")


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Example:
    intent: str
    text: str  # without annotation markup
    raw: str
    entities: tuple[Entity, ...]
    source: str


def parse_example(raw: str, *, intent: str, source: str) -> Example:
    parts: list[str] = []
    entities: list[Entity] = []
    pos = 0
    length = 0
    for m in _ANNOTATION.finditer(raw):
        before = raw[pos : m.start()]
        parts.append(before)
        length += len(before)
        text = m.group("text")
        if m.group("json") is not None:
            meta = json.loads("{" + m.group("json") + "}")
            name, value = meta["entity"], meta.get("value", text)
        else:
            name, value = m.group("name"), text
        entities.append(Entity(name, str(value), text, length, length + len(text)))
        parts.append(text)
        length += len(text)
        pos = m.end()
    parts.append(raw[pos:])
    return Example(intent, "".join(parts), raw, tuple(entities), source)


def load_examples(directory: Path = NLU_DIR) -> list[Example]:
    examples: list[Example] = []
    for path in sorted(directory.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in doc.get("nlu", []):
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if not line.startswith("- "):
                    continue
                examples.append(
                    parse_example(line[2:].strip(), intent=block["intent"], source=path.name)
                )
    return examples


def write_examples(examples: list[Example], path: Path) -> None:
    """Writes examples back as Rasa YAML (annotations kept), e.g. a training split."""
    by_intent: dict[str, list[str]] = {}
    for ex in examples:
        by_intent.setdefault(ex.intent, []).append(ex.raw)
    lines = ['version: "3.1"', "nlu:"]
    for intent, raws in by_intent.items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {raw}" for raw in raws)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
