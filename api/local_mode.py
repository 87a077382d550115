"""Local mode (no identity provider) serves this machine only, however the server was started.

`workbench serve` refuses a non-loopback address up front; this middleware holds the same line
under plain uvicorn (`uvicorn api.asgi:app --host 0.0.0.0`), where no such check runs.
"""

import ipaddress

from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.refusal_count import count_anonymous_refusal

LOCAL_ONLY = ("This workbench runs in local mode (no authentication) and serves this machine only. "
              "Configure sign-in in .streamlit/secrets.toml.")


def is_loopback(host: str | None) -> bool:
    """Whether `host` is this machine (localhost, 127.0.0.0/8 or ::1)."""
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LoopbackOnlyInLocalMode:
    """Refuse, with 403, every connection from another machine while in local mode."""

    def __init__(self, app: ASGIApp, local_mode: bool) -> None:
        self._app = app
        # Decided once, at start-up (review.settings): a secrets file written under a running
        # server must not switch the guard off.
        self._local_mode = local_mode

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self._local_mode:
            client = scope.get("client")
            if not is_loopback(client[0] if client else None):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                count_anonymous_refusal(403, "local mode")
                refusal: Response = (
                    JSONResponse({"error": LOCAL_ONLY}, status_code=403)
                    if scope.get("path", "").startswith("/api/")
                    else PlainTextResponse(LOCAL_ONLY, status_code=403)
                )
                await refusal(scope, receive, send)
                return
        await self._app(scope, receive, send)
