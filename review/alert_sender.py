"""Posting an alert over HTTP with the webhook sender's checked transport: the alert URL gets the
same address checks as a webhook (public addresses only unless allowed), no redirects, no proxy."""

import httpx

from review.webhook_sender import TIMEOUT_SECONDS, CheckedTransport
from review.webhook_targets import TargetRefused, check_url
from review.webhooks import DeliveryError


class HttpAlertSender:
    """Posts alert bodies with one reusable connection pool."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False,
                                    transport=CheckedTransport())

    def __call__(self, url: str, body: bytes) -> None:
        try:
            response = self._client.post(check_url(url), content=body,
                                         headers={"Content-Type": "application/json"})
        except TargetRefused as refused:
            raise DeliveryError(f"refused before connecting: {refused}") from None
        except httpx.HTTPError as error:
            raise DeliveryError(f"{type(error).__name__}: could not reach the alert URL") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"alert URL answered HTTP {response.status_code}")

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()
