"""Custom actions. Thin: they read the tracker, call `core`, and answer in Vietnamese."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from nlu.text import canonical_dossier_code, find_dossier_codes

DomainDict = dict[str, Any]


def latest_dossier_code(tracker: Tracker) -> str | None:
    """The dossier code of the latest message: an extracted entity, a code typed in the text,
    or, failing both, the one remembered in the slot."""
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") == "dossier_code" and entity.get("value"):
            code = canonical_dossier_code(str(entity["value"]))
            if code:
                return code
    found = find_dossier_codes(tracker.latest_message.get("text") or "")
    if found:
        return found[0].value
    slot = tracker.get_slot("dossier_code")
    return canonical_dossier_code(slot) if isinstance(slot, str) else None


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many bot turns in a row, just before the current one, ended in the fallback."""
    turns: list[list[str]] = []  # actions per bot turn, most recent first
    actions: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            turns.append(actions)
            actions = []
        elif event.get("event") == "action" and event.get("name") != "action_listen":
            actions.append(str(event.get("name")))
    count = 0
    for previous in turns[1:]:
        if "action_fallback" not in previous:
            break
        count += 1
    return count


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if consecutive_fallbacks(tracker) >= 1:
            dispatcher.utter_message(response="utter_default_repeat")
        else:
            dispatcher.utter_message(response="utter_default")
        return []


class ActionCheckDossierStatus(Action):
    def name(self) -> str:
        return "action_check_dossier_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        code = latest_dossier_code(tracker)
        if code is None:
            dispatcher.utter_message(response="utter_ask_dossier_code")
            return []
        dispatcher.utter_message(response="utter_dossier_lookup_unavailable", dossier_code=code)
        return [SlotSet("dossier_code", code)]
