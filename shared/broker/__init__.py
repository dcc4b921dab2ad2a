"""The embedded Kafka-protocol broker for one-machine runs and tests."""
