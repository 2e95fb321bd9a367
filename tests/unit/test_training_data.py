"""A linter of the training data and the domain: the model is only as good as these files."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from nlu.text import canonical_dossier_code, fold
from nlu.training_data import ROOT, Example, load_examples

CONTRACT_INTENTS = {
    "greet", "goodbye", "thank", "bot_challenge", "affirm", "deny", "out_of_scope",
    "check_dossier_status", "ask_required_documents", "ask_processing_time", "ask_fee",
    "ask_office_info", "ask_online_submission", "ask_result_delivery",
    "subscribe_notifications", "unsubscribe_notifications", "request_human", "give_feedback",
}  # fmt: skip
MIN_EXAMPLES = 40
DOMAIN = yaml.safe_load((ROOT / "nlu" / "domain.yml").read_text(encoding="utf-8"))
RULES = [
    yaml.safe_load(p.read_text(encoding="utf-8"))
    for p in sorted((ROOT / "data").glob("rules/*.yml"))
]
EXAMPLES = load_examples()


def _key(ex: Example) -> str:
    words = " ".join(re.sub(r"[^\w\s]", " ", fold(ex.text)).split())
    return words or ex.text.strip()  # a message of emoji only is its own key


def test_every_contract_intent_is_in_the_domain() -> None:
    assert set(DOMAIN["intents"]) >= CONTRACT_INTENTS


@pytest.mark.parametrize("intent", sorted(CONTRACT_INTENTS))
def test_intent_has_enough_examples(intent: str) -> None:
    count = sum(1 for ex in EXAMPLES if ex.intent == intent)
    assert count >= MIN_EXAMPLES, f"{intent}: {count} examples, need {MIN_EXAMPLES}"


def test_training_intents_are_declared() -> None:
    assert {ex.intent for ex in EXAMPLES} <= set(DOMAIN["intents"])


def test_no_example_under_two_intents() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for ex in EXAMPLES:
        owners[_key(ex)].add(ex.intent)
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    assert not clashes, f"examples under several intents: {clashes}"


def test_no_duplicate_examples_within_an_intent() -> None:
    counts = Counter((ex.intent, ex.text.strip().lower()) for ex in EXAMPLES)
    dupes = [k for k, n in counts.items() if n > 1]
    assert not dupes, f"duplicate examples: {dupes[:10]}"


def test_examples_are_nfc() -> None:
    bad = [ex.raw for ex in EXAMPLES if not unicodedata.is_normalized("NFC", ex.raw)]
    assert not bad, bad[:5]


def test_examples_vary_diacritics() -> None:
    """Citizens type both ways: each intent has examples with and without diacritics."""
    for intent in CONTRACT_INTENTS:
        texts = [ex.text for ex in EXAMPLES if ex.intent == intent]
        plain = sum(1 for t in texts if fold(t) == t.lower())
        assert 0.15 <= plain / len(texts) <= 0.85, f"{intent}: {plain}/{len(texts)} plain"


def test_dossier_code_annotations_are_canonical() -> None:
    annotated = [(ex, e) for ex in EXAMPLES for e in ex.entities]
    assert len(annotated) >= 40
    for ex, entity in annotated:
        assert entity.entity == "dossier_code", ex.raw
        assert ex.text[entity.start : entity.end] == entity.text
        assert canonical_dossier_code(entity.text) == entity.value, ex.raw
        assert entity.value == entity.value.upper()


def test_every_response_is_used_and_polite() -> None:
    used = set()
    for doc in RULES:
        for rule in doc.get("rules", []):
            used |= {step["action"] for step in rule["steps"] if "action" in step}
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "actions").glob("*.py"))
    used |= set(re.findall(r"\b(utter_\w+)\b", code))
    used.add("utter_default")  # Rasa's own fallback response
    responses = DOMAIN["responses"]
    unused = set(responses) - used
    assert not unused, f"responses never used: {sorted(unused)}"
    for name, variants in responses.items():
        for variant in variants:
            assert variant["text"].startswith("Dạ"), f"{name} should open politely with 'Dạ'"
            assert len(variant["text"]) <= 400, f"{name} is too long for a phone screen"


def test_rules_only_use_declared_actions_and_intents() -> None:
    actions = set(DOMAIN["actions"]) | set(DOMAIN["responses"])
    intents = set(DOMAIN["intents"]) | {"nlu_fallback"}
    for doc in RULES:
        for rule in doc.get("rules", []):
            for step in rule["steps"]:
                if "action" in step:
                    assert step["action"] in actions, step
                if "intent" in step:
                    assert step["intent"] in intents, step


def test_every_contract_intent_has_an_answer() -> None:
    answered = {
        step["intent"]
        for doc in RULES
        for rule in doc.get("rules", [])
        for step in rule["steps"]
        if "intent" in step
    }
    assert answered >= CONTRACT_INTENTS


def test_actions_in_domain_exist_in_the_action_server() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "actions").glob("*.py"))
    for action in DOMAIN["actions"]:
        assert f'return "{action}"' in code, f"{action} is declared but not implemented"


def test_button_payloads_name_known_intents() -> None:
    intents = set(DOMAIN["intents"])
    static = (ROOT / "bot" / "web" / "static" / "chat.js").read_text(encoding="utf-8")
    payloads = set(re.findall(r"payload: '(/\w+)'", static))
    for variants in DOMAIN["responses"].values():
        for variant in variants:
            payloads |= {b["payload"] for b in variant.get("buttons", [])}
    assert payloads
    for payload in payloads:
        assert payload.lstrip("/") in intents, payload


def test_training_files_are_one_intent_each() -> None:
    for path in sorted(Path(ROOT / "data" / "nlu").glob("*.yml")):
        intents = {ex.intent for ex in EXAMPLES if ex.source == path.name}
        assert intents == {path.stem}, path.name
