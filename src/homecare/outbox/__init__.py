"""The integration buffer (integrationsbuffert): an exactly-once outbox projection (D2-D4)."""
