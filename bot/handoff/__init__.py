"""Human handoff: tickets from citizens to on-duty volunteers across channels, the volunteers'
chat tools, and their enrolment."""

from bot.handoff.install import install_handoff
from bot.handoff.service import HandoffService

__all__ = ["HandoffService", "install_handoff"]
