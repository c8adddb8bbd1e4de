"""The request body limit: a body larger than :data:`MAX_BODY_BYTES` answers 413 before it is read.

A pure ASGI middleware, outside every route: a ``Content-Length`` above the limit is
answered at once, without reading a byte of the body; a body sent without one (chunked)
is counted as it arrives and refused as soon as it passes the limit, before anything
parses it. Either way the answer is the documented error body
(``{"detail": [{"loc": ["body"], "code": "too_large", "msg": ...}]}``).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_BODY_BYTES", "BodySizeLimit"]

#: The largest request body the application reads: 256 KiB. The largest form is a tumour
#: assessment of 50 lesions (forms.MAX_LESIONS) at about 800 bytes each with every text
#: escaped as JSON writes non-ASCII (\uXXXX), about 40 KiB; a query of 4,000 such characters
#: is 24 KiB. A quarter of a megabyte leaves room six times over, while a body of unknown
#: keys that size is parsed and refused in milliseconds (13 MB took 23 s).
MAX_BODY_BYTES = 256 * 1024


def _message(limit: int) -> str:
    return f"the request body is larger than {limit} bytes, the most this server reads"


class BodySizeLimit:
    """Refuse request bodies larger than ``max_bytes`` with 413."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.strip().isdigit() or int(declared) > self.max_bytes):
            body = {"detail": [{"loc": ["body"], "code": "too_large", "msg": _message(self.max_bytes)}]}
            await JSONResponse(body, status_code=413, headers={"Connection": "close"})(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Raised inside the route's read of the body: the application's handler for
                    # HTTPException answers it with the documented error body.
                    raise HTTPException(413, _message(self.max_bytes))
            return message

        await self.app(scope, counted, send)
