"""Prometheus metrics of the gateway (GET /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES = Counter(
    "motcua_messages_total",
    "Messages handled by the gateway, by channel and direction (in/out).",
    ["channel", "direction"],
    registry=REGISTRY,
)
RASA_FAILURES = Counter(
    "motcua_rasa_failures_total",
    "Turns where Rasa was down, slow or answered nothing; the citizen got a polite fallback.",
    ["reason"],
    registry=REGISTRY,
)
REJECTED = Counter(
    "motcua_rejected_requests_total",
    "Webhook requests refused, by endpoint and reason (malformed, too_large, unauthorized).",
    ["endpoint", "reason"],
    registry=REGISTRY,
)
TURN_SECONDS = Histogram(
    "motcua_turn_seconds",
    "Time to answer one citizen message, Rasa included.",
    ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
OUTBOX_RESULTS = Counter(
    "motcua_outbox_results_total",
    "Outcomes of provider calls made from the outbox (sent, queued = retry later, failed).",
    ["state"],
    registry=REGISTRY,
)
SEND_SECONDS = Histogram(
    "motcua_send_seconds",
    "Time of one provider call, by channel.",
    ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
WEBHOOK_EVENTS = Counter(
    "motcua_webhook_events_total",
    "Webhook events by channel and outcome (accepted, duplicate, ignored, report).",
    ["channel", "outcome"],
    registry=REGISTRY,
)
OUTBOX_WAIT = Gauge(
    "motcua_outbox_oldest_waiting_seconds",
    "How long the longest-waiting due outbound message has waited unclaimed; growing means "
    "nobody is delivering (is the worker running?).",
    registry=REGISTRY,
)
