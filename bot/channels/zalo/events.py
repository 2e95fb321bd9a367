"""Zalo OA webhook events, validated at the boundary.

Shapes as Zalo sends them: every id and the `timestamp` (milliseconds) are strings, never
numbers (they exceed 2^53); a number where a string belongs is a malformed event.
- `user_send_text`: `sender.id` (the user), `recipient.id` (the OA), `message.text`,
  `message.msg_id`;
- `follow`: `follower.id` in place of `sender`, plus `oa_id` and `source`;
- `user_submit_info`: the user's answer to a `request_user_info` template, `info.phone` in the
  form `84912345678` (with `name`, `address` … which we do not keep).
Echo events of what the OA sent (`oa_send_*`), receipts (`user_received_message`,
`user_seen_message`) and every other event are acknowledged and ignored.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.channels.base import InvalidRequest


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Party(_Model):
    id: str = Field(min_length=1)


class Envelope(_Model):
    event_name: str
    app_id: str
    timestamp: str


class TextContent(_Model):
    text: str
    msg_id: str = Field(min_length=1)


class UserSendText(Envelope):
    sender: Party
    message: TextContent


class FollowEvent(Envelope):
    follower: Party | None = None
    sender: Party | None = None

    @property
    def user_id(self) -> str:
        party = self.follower or self.sender
        if party is None:
            raise InvalidRequest("follow: 'follower.id' is missing")
        return party.id


class SubmittedInfo(_Model):
    phone: str | None = None


class UserSubmitInfo(Envelope):
    sender: Party
    info: SubmittedInfo


_E = TypeVar("_E", bound=Envelope)


def validate(model: type[_E], data: dict[str, object]) -> _E:
    """`model` from a decoded body; a mismatch raises InvalidRequest with a one-line reason
    that names the field but never echoes its value."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidRequest(
            f"{data.get('event_name')}: '{where}' {first['msg'].lower()}"
        ) from None
