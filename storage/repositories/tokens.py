"""Queries on API tokens."""

from sqlmodel import Session, col, select

from storage.models import ApiToken


def get_token_by_hash(*, session: Session, token_hash: str) -> ApiToken | None:
    """The token whose value hashes to `token_hash`, revoked or not."""
    return session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash)).first()


def get_token_by_name(*, session: Session, name: str) -> ApiToken | None:
    """The token called `name`."""
    return session.exec(select(ApiToken).where(ApiToken.name == name)).first()


def list_tokens(*, session: Session) -> list[ApiToken]:
    """Every token, newest first."""
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.id).desc())))
