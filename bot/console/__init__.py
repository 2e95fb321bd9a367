"""The staff console (`/console`): tickets with transcripts, questions not understood and their
export as Rasa training data, delivery status, dossier CSV upload, statistics, volunteer
invitations. `mount()` gives the routes to add to the gateway."""

from bot.console.views import mount

__all__ = ["mount"]
