"""Kafka plumbing: broker factory, outbox relay, idempotent consumer, dead letters."""
