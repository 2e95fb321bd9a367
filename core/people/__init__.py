"""People behind the assistant: youth volunteers and staff, the citizens' tickets to them, and
the audit of what each of them did."""
