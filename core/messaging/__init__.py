"""Messages in and out: the inbox of accepted webhook events, the outbox of messages to send,
and the channel identities citizens speak from (linked phones, opt-outs, subscriptions)."""
