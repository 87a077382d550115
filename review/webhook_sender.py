"""Sending one webhook delivery over HTTP: signed, no redirects, a short timeout, checked addresses only.

The address check sits in the network backend, the one place a socket is opened: it resolves the
host once, checks every address, and connects to those very addresses, so a second DNS answer
(rebinding) is never asked for. The Host header and TLS (SNI, certificate) keep using the name,
because the connection layer above the backend still sees only the URL.
"""

from collections.abc import Iterable

import httpcore
import httpx

from review.webhook_signing import DELIVERY_HEADER, SIGNATURE_HEADER, sign
from review.webhook_targets import TargetRefused, check_url_form, resolve_checked
from review.webhooks import DeliveryError, Outgoing

TIMEOUT_SECONDS = 10.0
# httpx mirrors these httpcore errors class for class; its own transport maps them the same way.
CORE_ERRORS = (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError,
               httpcore.UnsupportedProtocol, httpcore.ProxyError)


class CheckedBackend(httpcore.SyncBackend):
    """Opens TCP connections only to addresses that pass `resolve_checked`."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve `host` once, refuse if any address is internal, else connect to the first that answers."""
        try:
            addresses = resolve_checked(host, port)
        except OSError as error:  # the name does not resolve: the receiver cannot be reached
            raise httpcore.ConnectError(str(error)) from error
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure or httpcore.ConnectError(f"{host} has no address")


class CheckedTransport(httpx.BaseTransport):
    """An httpx transport on an httpcore pool whose connections go through `CheckedBackend`.

    No proxy from the environment is used: a proxy would resolve the name, out of the check's sight.
    """

    def __init__(self) -> None:
        # The same pool limits as httpx's own transport, which this one replaces.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=CheckedBackend(),
            max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request`, read the (short) acknowledgement, release the connection."""
        assert isinstance(request.stream, httpx.SyncByteStream)
        url = httpcore.URL(scheme=request.url.raw_scheme, host=request.url.raw_host,
                           port=request.url.port, target=request.url.raw_path)
        core_request = httpcore.Request(request.method, url, headers=request.headers.raw,
                                        content=request.stream, extensions=request.extensions)
        try:
            response = self._pool.handle_request(core_request)
            try:
                content = response.read()
            finally:
                response.close()
        except CORE_ERRORS as error:
            mapped = getattr(httpx, type(error).__name__, httpx.TransportError)
            raise mapped(str(error), request=request) from error
        return httpx.Response(response.status, headers=response.headers, content=content)

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.close()


class HttpSender:
    """Posts deliveries with one reusable connection pool."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        # Redirects are never followed: a receiver could otherwise bounce signed decisions to
        # an address the admin never registered.
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False,
                                    transport=CheckedTransport())

    def __call__(self, outgoing: Outgoing) -> None:
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(outgoing.secret, outgoing.body),
            DELIVERY_HEADER: str(outgoing.delivery_id),
        }
        try:
            url = check_url_form(outgoing.url)  # rows stored before credentials were refused
            response = self._client.post(url, content=outgoing.body, headers=headers)
        except TargetRefused as refused:
            raise DeliveryError(f"refused before connecting: {refused}") from None
        except httpx.HTTPError as error:
            raise DeliveryError(f"{type(error).__name__}: could not reach the receiver") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"receiver answered HTTP {response.status_code}")

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()
