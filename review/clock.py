"""The one place the domain reads the time, so tests can pass their own `now`."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def isoformat_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with an explicit offset, or None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()
