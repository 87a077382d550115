"""Sending one webhook delivery over HTTP: signed, no redirects, a short timeout."""

import httpx

from review.webhook_signing import DELIVERY_HEADER, SIGNATURE_HEADER, sign
from review.webhooks import DeliveryError, Outgoing

TIMEOUT_SECONDS = 10.0


class HttpSender:
    """Posts deliveries with one reusable connection pool."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        # Redirects are never followed: a receiver could otherwise bounce signed decisions to
        # an address the admin never registered.
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def __call__(self, outgoing: Outgoing) -> None:
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(outgoing.secret, outgoing.body),
            DELIVERY_HEADER: str(outgoing.delivery_id),
        }
        try:
            response = self._client.post(outgoing.url, content=outgoing.body, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryError(f"{type(error).__name__}: could not reach the receiver") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"receiver answered HTTP {response.status_code}")

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()
