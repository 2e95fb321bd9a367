"""Custom actions. Thin: they read the tracker, call `core`, and answer in Vietnamese."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from core.db import make_engine
from core.dossiers.replies import dossier_list, owner_details, public_status
from core.dossiers.repository import SqlDossierRepository
from core.dossiers.verification import Outcome, Verifier
from core.messaging.identities import Identities, split_sender
from core.offices import MAX_SUGGESTED, Office, OfficeDirectory, load_offices
from core.offices import answer as office_answer
from core.procedures.desk import ProcedureDesk, Reply, Topic
from core.settings import Settings, load_settings
from nlu.text import canonical_dossier_code, find_dossier_codes

DomainDict = dict[str, Any]
_FOUR_DIGITS = re.compile(r"(?<!\d)(\d{4})(?!\d)")


@cache
def settings() -> Settings:
    return load_settings()


@cache
def engine() -> Engine:
    return make_engine(settings().database_url)


@cache
def desk() -> ProcedureDesk:
    return ProcedureDesk.load(engine=engine())


@cache
def offices() -> OfficeDirectory:
    return load_offices()


@cache
def dossiers() -> SqlDossierRepository:
    return SqlDossierRepository(engine())


@cache
def verifier() -> Verifier:
    return Verifier(sessionmaker(engine(), expire_on_commit=False))


@cache
def identities() -> Identities:
    return Identities(engine())


def channel_phone(sender: str) -> str | None:
    """The phone the channel proves the sender speaks from: an SMS sender's own number, or a
    Zalo/Telegram identity the platform linked to a phone (CONTRACT §7)."""
    return identities().linked_phone(sender)


def now() -> datetime:
    return datetime.now(settings().tz)


def entity(tracker: Tracker, name: str) -> str | None:
    for item in tracker.latest_message.get("entities", []):
        if item.get("entity") == name and item.get("value"):
            return str(item["value"])
    return None


def say(dispatcher: CollectingDispatcher, reply: Reply, topic: Topic) -> None:
    buttons = [
        {"title": c.title, "payload": f'/{topic.value}{{"procedure_code": "{c.code}"}}'}
        for c in reply.choices
    ]
    dispatcher.utter_message(text=reply.text, buttons=buttons or None)


def office_buttons(choices: tuple[Office, ...] | list[Office]) -> list[dict[str, str]]:
    return [
        {"title": o.title, "payload": f'/ask_office_info{{"office_id": "{o.id}"}}'}
        for o in choices[:MAX_SUGGESTED]
    ]


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
            ask_for_human(dispatcher, tracker, reason="fallbacks")
        else:
            dispatcher.utter_message(response="utter_default")
        return []


def ask_for_human(dispatcher: CollectingDispatcher, tracker: Tracker, *, reason: str) -> None:
    """Asks the gateway to open a handoff ticket (the gateway owns the human handoff): a
    message carrying `{"handoff": {...}}` with what the ticket's summary needs."""
    dispatcher.utter_message(
        json_message={
            "handoff": {
                "reason": reason,
                "procedure_code": tracker.get_slot("procedure_code"),
                "dossier_code": tracker.get_slot("dossier_code"),
            }
        }
    )


class ActionRequestHuman(Action):
    """The citizen asks for a staff member or a youth volunteer."""

    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_request_human")
        ask_for_human(dispatcher, tracker, reason="request_human")
        return []


class ActionAnswerProcedure(Action):
    """Papers, time limit or fee of the procedure the message names (or the one of the
    previous turn: "còn lệ phí thì sao?")."""

    def name(self) -> str:
        return "action_answer_procedure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = str((tracker.latest_message.get("intent") or {}).get("name"))
        topics = {t.value: t for t in Topic}
        topic = topics.get(intent, Topic.REQUIRED_DOCUMENTS)
        chosen = entity(tracker, "procedure_code")
        remembered = tracker.get_slot("procedure_code")
        if chosen:
            reply = desk().answer_for(topic, chosen)
        else:
            text = tracker.latest_message.get("text") or ""
            reply = desk().answer(topic, text=text, remembered=remembered)
        say(dispatcher, reply, topic)
        return [SlotSet("procedure_code", reply.procedure_code)] if reply.procedure_code else []


class ActionAnswerOffice(Action):
    """Address, hours and phone of the office the citizen names (a button, the message, or the
    office of the dossier under discussion); else the provincial centre, and a choice of ward
    or commune offices."""

    def name(self) -> str:
        return "action_answer_office"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        directory = offices()
        chosen = entity(tracker, "office_id")
        office = directory.get(chosen) if chosen else None
        if office is None:
            text = tracker.latest_message.get("text") or ""
            found = [] if text.startswith("/") else directory.find(text)
            if len(found) > 1:
                dispatcher.utter_message(
                    text="Dạ, ông/bà hỏi bộ phận một cửa nào ạ? Ông/bà chọn một nơi dưới đây.",
                    buttons=office_buttons(found),
                )
                return []
            office = found[0] if found else self.dossier_office(tracker, directory)
        if office is not None:
            dispatcher.utter_message(text=office_answer(office))
            return []
        dispatcher.utter_message(
            text=office_answer(directory.province)
            + "\nÔng/bà cũng có thể nộp tại bộ phận một cửa của xã, phường nơi cư trú. "
            "Ông/bà ở xã, phường nào ạ?",
            buttons=office_buttons(directory.suggested) or None,
        )
        return []

    @staticmethod
    def dossier_office(tracker: Tracker, directory: OfficeDirectory) -> Office | None:
        code = latest_dossier_code(tracker)
        dossier = dossiers().get(code) if code else None
        if dossier is None or not dossier.office:
            return None
        return directory.by_name(dossier.office)


class ActionCheckDossierStatus(Action):
    """Public status for anyone with the code; details for the verified owner (CONTRACT §7)."""

    def name(self) -> str:
        return "action_check_dossier_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        code = latest_dossier_code(tracker)
        verified_phone = tracker.get_slot("verified_phone") or channel_phone(tracker.sender_id)
        if code is None:
            if verified_phone:  # "hồ sơ của tôi" from a verified citizen
                dispatcher.utter_message(
                    text=dossier_list(dossiers().find_by_phone(verified_phone))
                )
                return []
            dispatcher.utter_message(response="utter_ask_dossier_code")
            return []
        dossier = dossiers().get(code)
        if dossier is None:
            dispatcher.utter_message(response="utter_dossier_not_found", dossier_code=code)
            return [SlotSet("dossier_code", code)]
        tz = settings().tz
        dispatcher.utter_message(
            text=public_status(dossier, now=now(), tz=tz, hotline=settings().hotline)
        )
        owner = verified_phone is not None and verified_phone == dossier.phone
        if owner:
            dispatcher.utter_message(text=owner_details(dossier, tz=tz))
            return [SlotSet("dossier_code", code)]
        dispatcher.utter_message(response="utter_ask_phone_digits")
        return [SlotSet("dossier_code", code), SlotSet("pending_verification", code)]


class ActionVerifyDossierOwner(Action):
    """The citizen answers with the last 4 digits of the dossier's phone number."""

    def name(self) -> str:
        return "action_verify_dossier_owner"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        code = tracker.get_slot("pending_verification")
        text = tracker.latest_message.get("text") or ""
        found = _FOUR_DIGITS.findall(text)
        digits_only = re.sub(r"\D", "", text)
        if not found and len(digits_only) == 4:  # typed with spaces: "56 78"
            found = [digits_only]
        if not code:
            dispatcher.utter_message(response="utter_ask_dossier_code")
            return []
        if not found:
            dispatcher.utter_message(response="utter_ask_phone_digits")
            return []
        dossier = dossiers().get(code)
        if dossier is None:
            return [SlotSet("pending_verification", None)]
        verdict = verifier().check_last_digits(
            dossier, found[-1], sender=tracker.sender_id, now=now()
        )
        if verdict.outcome is Outcome.VERIFIED:
            events: list[EventType] = [
                SlotSet("pending_verification", None),
                SlotSet("verified_phone", dossier.phone),
            ]
            if tracker.get_slot("pending_subscription") == code:
                subscribe(dispatcher, tracker.sender_id, code)
                return [*events, SlotSet("pending_subscription", None)]
            dispatcher.utter_message(text=owner_details(dossier, tz=settings().tz))
            return events
        if verdict.outcome is Outcome.BLOCKED:
            dispatcher.utter_message(response="utter_verification_blocked")
            return [SlotSet("pending_verification", None)]
        dispatcher.utter_message(response="utter_verification_wrong")
        return []


# Channels the assistant may write to first (a web chat page cannot be written to later).
PUSH_CHANNELS = ("zalo", "telegram", "tel")


def subscribe(dispatcher: CollectingDispatcher, sender: str, code: str) -> None:
    channel, user_id = split_sender(sender)
    identities().subscribe(code, channel, user_id, now=now())
    dispatcher.utter_message(response="utter_subscribed", dossier_code=code)


class ActionSubscribeNotifications(Action):
    """ "Báo cho tôi khi có kết quả": the asking identity gets the dossier's notices, once the
    channel or the last four digits of the dossier's phone show it is the owner."""

    def name(self) -> str:
        return "action_subscribe_notifications"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        code = latest_dossier_code(tracker)
        if code is None:
            dispatcher.utter_message(response="utter_subscribe_ask_code")
            return []
        dossier = dossiers().get(code)
        if dossier is None:
            dispatcher.utter_message(response="utter_dossier_not_found", dossier_code=code)
            return [SlotSet("dossier_code", code)]
        if not tracker.sender_id.startswith(PUSH_CHANNELS):
            dispatcher.utter_message(response="utter_subscribe_web", dossier_code=code)
            return [SlotSet("dossier_code", code)]
        phone = tracker.get_slot("verified_phone") or channel_phone(tracker.sender_id)
        if phone is not None and phone == dossier.phone:
            subscribe(dispatcher, tracker.sender_id, code)
            return [SlotSet("dossier_code", code)]
        dispatcher.utter_message(response="utter_ask_phone_digits")
        return [
            SlotSet("dossier_code", code),
            SlotSet("pending_verification", code),
            SlotSet("pending_subscription", code),
        ]


class ActionUnsubscribeNotifications(Action):
    """The citizen asks for no more notices: this identity, and its linked phone's SMS."""

    def name(self) -> str:
        return "action_unsubscribe_notifications"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        channel, user_id = split_sender(tracker.sender_id)
        identities().set_opted_out(channel, user_id, True, now=now())
        phone = channel_phone(tracker.sender_id)
        if phone is not None and channel != "sms":
            identities().set_opted_out("sms", phone, True, now=now())
        dispatcher.utter_message(response="utter_unsubscribe_notifications")
        return [SlotSet("pending_subscription", None)]
