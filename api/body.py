"""Reading request bodies: size-capped before they are held whole, then parsed as JSON."""

import os
from typing import Any

from starlette.requests import Request

from api.errors import ApiError
from review.record_files import parse_json_text

DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024


def max_body_bytes() -> int:
    """The largest body accepted (`WORKBENCH_MAX_BODY_BYTES`, default 16 MiB)."""
    return int(os.environ.get("WORKBENCH_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


async def read_json_body(request: Request, required: bool = True, mark_repeated_keys: bool = False) -> Any:
    """The body as JSON; 413 past the size limit, 422 when it is not JSON (or repeats a key, unless
    `mark_repeated_keys` leaves that to record validation: see `parse_json_text`)."""
    limit = max_body_bytes()
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the body is larger than the {limit}-byte limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"the body is larger than the {limit}-byte limit")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        if required:
            raise ApiError(422, "the body is empty; send JSON")
        return None
    try:
        return parse_json_text(raw, mark_repeated_keys)
    except ValueError as error:
        raise ApiError(422, f"the body is {error}") from None
