"""Imports every module that defines tables, so Base.metadata knows them all."""

import core.dossiers.tables
import core.dossiers.verification
import core.messaging.tables
import core.people.tables
import core.procedures.tables
import core.reminders.tables  # noqa: F401
