"""Event topics: the names eventsourcing stores beside each event (`module:Class.Event`).

Projections and the audit name the event types they handle by topic, so the
runner can read only those rows; these two functions are the only way the rest
of homecare turns a class into its topic or back.
"""

from __future__ import annotations

from eventsourcing.utils import get_topic, resolve_topic

__all__ = ["resolve", "topic_of"]


def topic_of(kind: type) -> str:
    """The stored topic of an event class, e.g. `homecare.domain.pause:Pause.Created`."""
    return get_topic(kind)


def resolve(topic: str) -> type:
    """The class a stored topic names. Raises `TopicError` (eventsourcing) for an unknown one."""
    resolved: type = resolve_topic(topic)
    return resolved
