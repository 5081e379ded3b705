"""One error shape for every failure: `{"error": {"error", "message", "details"}}`, and the
OpenAPI declaration of routes that answer text, so their errors stay documented as JSON."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

DEFAULT_BODY_LIMIT = 64 * 1024


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.headers = headers


def store_unavailable(what: str = "the ticket store") -> ApiError:
    """The 503 every route answers while the audit store cannot be reached."""
    return ApiError(503, "store_unavailable", f"{what} is unreachable; retry",
                    headers={"Retry-After": "5"})  # fmt: skip


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"error": code, "message": message, "details": details or []}}
    return JSONResponse(body, status_code=status, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _validation_details(err: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for problem in err.errors():
        message = str(problem.get("msg", "invalid")).removeprefix("Value error, ")
        if problem.get("type") == "extra_forbidden":
            message = "is not a known field; remove it (see /docs for the accepted fields)"
        details.append({"field": _field(tuple(problem.get("loc", ()))), "message": message})
    return details


async def _on_validation(_request: Request, err: RequestValidationError) -> JSONResponse:
    if any(p.get("type") == "json_invalid" for p in err.errors()):
        return error_response(400, "invalid_json", "the body is not valid JSON; send a JSON object")
    details = _validation_details(err)
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:3])
    return error_response(422, "validation_error", f"fix these fields: {summary}", details)


async def _on_api_error(_request: Request, err: ApiError) -> JSONResponse:
    return error_response(err.status, err.code, err.message, err.details, err.headers)


async def _on_http(_request: Request, err: StarletteHTTPException) -> JSONResponse:
    codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}
    return error_response(
        err.status_code,
        codes.get(err.status_code, "http_error"),
        str(err.detail),
        headers=getattr(err, "headers", None),
    )


async def _on_unexpected(request: Request, err: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "something went wrong on our side; try again")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, _on_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)


class BodyLimitMiddleware:
    """The gate every request body passes before a route parses it: over the limit is 413, and
    JSON whose text is not Unicode is 422 (see `has_unpaired_surrogate`)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int] | None = None) -> None:
        self.app = app
        self.limit_for = limit_for or (lambda _path: DEFAULT_BODY_LIMIT)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                await self._refuse(scope, receive, send, limit)
                return
        if has_unpaired_surrogate(body, headers.get(b"content-type", b"").decode("latin-1")):
            await self._refuse_text(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = error_response(
            413, "body_too_large", f"the request body is over {limit // 1024} KiB; send less"
        )
        await response(scope, receive, send)

    async def _refuse_text(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            422,
            "validation_error",
            "the body has text that is not Unicode (an unpaired surrogate escape such as "
            "\\ud800); send UTF-8 text",
        )
        await response(scope, receive, send)


def is_json(content_type: str) -> bool:
    """Whether FastAPI parses a body of this type as JSON (it does when none is given)."""
    media = content_type.split(";")[0].strip().lower()
    subtype = media.partition("/")[2]
    return not media or subtype == "json" or subtype.endswith("+json")


def has_unpaired_surrogate(body: bytes, content_type: str) -> bool:
    """JSON may escape half of a UTF-16 pair (`"\\ud800"`). Python parses it, but the string
    cannot be encoded again, so the store, Temporal and every response would fail on it."""
    if not body or not is_json(content_type):
        return False
    try:
        json.dumps(json.loads(body), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    except (ValueError, RecursionError):  # malformed or too deep: FastAPI answers 400 itself
        return False
    return False


def _replay(body: bytes, original: Receive) -> Receive:
    """Hands the buffered body to the app once, then the real channel (for disconnects)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


def text_responses(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """The 200 of a route answering text in these media types. Such a route takes
    `response_class=Response`: with a text response class FastAPI would also declare every JSON
    error under that text media type, and clients (and schema checks) would expect text errors."""
    return {200: {"content": {media: {"schema": {"type": "string"}} for media in media_types}}}


def json_dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
