"""Zalo's failures as exceptions, and the one table that says what each error code means to us.

Zalo answers HTTP 200 even when a call fails: the body's `error` field is the verdict (0 is
success). `ERROR_POLICY` maps each code we know to an action: refresh the access token and
try once more, retry later, fall back to another channel (outside the reply window, or the
recipient cannot be reached on Zalo at all), or give up. Unknown codes give up: a blind retry
of a message may deliver it twice.

Sources of the codes:
- OA API (`openapi.zalo.me/v3.0/oa/*`): Zalo for Developers, Official Account API, appendix of
  error codes (https://developers.zalo.me/docs/official-account, server-rendered at
  https://docs.zaloplatforms.com/docs/OA/): -216/-220 a bad or expired access token,
  -213/-230/-232 a user outside the reply window, -32 the 4,000 requests/minute limit,
  -201 an invalid parameter.
- ZNS (`business.openapi.zalo.me`): https://zalo.cloud/zns/guidelines/handle-error-code
  (-124 access token invalid, -108 phone invalid, -133 night-time ban, -144 daily quota …).
The two tables share one number space; -100 is the one code listed here that both use (an
expired attachment in the OA API, where we send none), and the ZNS meaning is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from types import MappingProxyType
from typing import Final, Literal, NoReturn
from zoneinfo import ZoneInfo

Action = Literal["refresh", "retry", "outside_window", "unreachable", "give_up"]

# Zalo's night-time ban (22:00-06:00) is on Vietnam's clock.
_VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_MORNING = time(6, 0)


@dataclass(frozen=True, slots=True)
class Policy:
    action: Action
    retry_after: float | None = None
    # the call is refused at night (22:00-06:00 Vietnam time): retry after 06:00
    until_morning: bool = False


_REFRESH = Policy("refresh")
_WINDOW = Policy("outside_window")
_UNREACHABLE = Policy("unreachable")
_GIVE_UP = Policy("give_up")

ERROR_POLICY: Final[Mapping[int, Policy]] = MappingProxyType(
    {
        # --- access token: refresh once, then retry once ---
        -216: _REFRESH,  # OA: Access token is invalid
        -220: _REFRESH,  # OA: access_token is expired or removed
        -124: _REFRESH,  # ZNS: access token invalid
        # --- transient: retry later ---
        -32: Policy("retry", 60.0),  # app or OA reached its per-minute limit (resets each minute)
        -200: Policy("retry", 30.0),  # OA: send message failed (no detail given)
        -211: Policy("retry", 3600.0),  # OA: out of quota
        -218: Policy("retry", 3600.0),  # OA: recipient's receive quota reached
        -100: Policy("retry", 60.0),  # ZNS: unknown error, retry later
        -144: Policy("retry", 3600.0),  # ZNS: OA's daily sending limit reached
        -147: Policy("retry", 3600.0),  # ZNS: template's daily sending limit reached
        -133: Policy("retry", until_morning=True),  # ZNS: template cannot be sent at night
        -234: Policy("retry", until_morning=True),  # OA: message type cannot be sent at night
        # --- outside the free reply window: fall back to ZNS or SMS ---
        -213: _WINDOW,  # OA: user has not followed / interacted with the OA
        -230: _WINDOW,  # OA: user has not interacted with the OA in the past 7 days
        -232: _WINDOW,  # OA: user has not interacted, or the last interaction expired
        # --- this user cannot get the message on Zalo: fall back to SMS ---
        -217: _UNREACHABLE,  # OA: user has blocked the OA
        -227: _UNREACHABLE,  # OA: user banned, or inactive on Zalo for more than 45 days
        -244: _UNREACHABLE,  # OA: user has restricted this message type from the OA
        -114: _UNREACHABLE,  # ZNS: user cannot receive (inactive, opted out, old Zalo)
        -118: _UNREACHABLE,  # ZNS: Zalo account does not exist or is deactivated
        -119: _UNREACHABLE,  # ZNS: account cannot receive messages
        -139: _UNREACHABLE,  # ZNS: user refused this kind of ZNS
        -140: _UNREACHABLE,  # ZNS: user not eligible for this ZNS type
        -141: _UNREACHABLE,  # ZNS: user refused ZNS from this OA
        # --- our request or our configuration is wrong: retrying cannot help ---
        -201: _GIVE_UP,  # OA: a parameter is invalid
        -204: _GIVE_UP,  # OA: the OA is disabled
        -205: _GIVE_UP,  # OA: the OA does not exist
        -209: _GIVE_UP,  # OA: app not activated for this API
        -212: _GIVE_UP,  # OA: app has not registered this API
        -219: _GIVE_UP,  # OA: app removed or disabled
        -223: _GIVE_UP,  # OA: the OA has not authorized this API
        -233: _GIVE_UP,  # OA: message type invalid or not supported
        -108: _GIVE_UP,  # ZNS: phone number invalid
        -109: _GIVE_UP,  # ZNS: template id invalid
        -115: _GIVE_UP,  # ZNS: out of balance
        -1121: _GIVE_UP,  # ZNS: a parameter exceeds its maximum length
        -1122: _GIVE_UP,  # ZNS: a template parameter is missing
        -1124: _GIVE_UP,  # ZNS: a parameter has an invalid format
        -131: _GIVE_UP,  # ZNS: template not approved
        -135: _GIVE_UP,  # ZNS: OA has no permission to send ZNS
        -146: _GIVE_UP,  # ZNS: template disabled for low quality
    }
)


class ZaloError(Exception):
    """Any failure talking to Zalo. `retryable` and `retry_after` (seconds) are the verdict."""

    retryable: bool = False
    retry_after: float | None = None


class ZaloTransportError(ZaloError):
    """No usable answer: network failure, HTTP 429 or 5xx, a body that is not JSON."""

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        retryable: bool = True,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


class ZaloAPIError(ZaloError):
    """Zalo answered with a non-zero `error` code."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"zalo error {code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


class AccessTokenError(ZaloAPIError):
    """The access token is invalid or expired: refresh it and try once more."""


class OutsideWindow(ZaloAPIError):
    """The user has not interacted with the OA recently enough for a consultation message:
    the caller falls back to ZNS or SMS."""


class RecipientUnreachable(ZaloAPIError):
    """The user cannot receive this message on Zalo (blocked the OA, inactive, opted out)."""


class TokenRefreshError(ZaloAPIError):
    """Zalo refused to refresh the access token (refresh token used, expired or revoked):
    an OA admin must grant the app access again."""


class TokenUnavailable(ZaloError):
    """No token pair in the store and none configured (MOTCUA_ZALO_ACCESS_TOKEN and
    MOTCUA_ZALO_REFRESH_TOKEN)."""


def seconds_until_morning(now: datetime) -> float:
    """Seconds from `now` to the next 06:00 in Vietnam (0 if it is already daytime)."""
    local = now.astimezone(_VIETNAM)
    if _MORNING <= local.time() < time(22, 0):
        return 0.0
    morning = datetime.combine(local.date(), _MORNING, tzinfo=_VIETNAM)
    if local.time() >= _MORNING:
        morning += timedelta(days=1)
    return (morning - local).total_seconds()


def utcnow() -> datetime:
    return datetime.now(UTC)


def raise_for_error(code: int, message: str, *, clock: Callable[[], datetime] = utcnow) -> NoReturn:
    """Raises the exception `ERROR_POLICY` gives for a non-zero Zalo error code."""
    policy = ERROR_POLICY.get(code, _GIVE_UP)
    if policy.action == "refresh":
        raise AccessTokenError(code, message, retryable=True)
    if policy.action == "outside_window":
        raise OutsideWindow(code, message)
    if policy.action == "unreachable":
        raise RecipientUnreachable(code, message)
    if policy.action == "retry":
        wait = seconds_until_morning(clock()) if policy.until_morning else policy.retry_after
        raise ZaloAPIError(code, message, retryable=True, retry_after=wait or policy.retry_after)
    raise ZaloAPIError(code, message)
