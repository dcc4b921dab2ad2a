"""The only things services import from each other: topics, the envelope, event payloads."""
