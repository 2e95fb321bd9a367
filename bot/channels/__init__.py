"""Messaging channels: one folder per platform behind the `Channel` seam (see base.py)."""
