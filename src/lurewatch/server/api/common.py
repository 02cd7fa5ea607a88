"""Shared API pieces: pagination and the error body every endpoint uses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    """Every request body: an unknown field is a 422 that names it, never silently dropped (a client that
    misspells a field, or uses another product's name for it, must be told its data was not taken)."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    code: str
    message: str
    request_id: str


class Error(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Error, "description": "not authenticated"},
    403: {"model": Error, "description": "role too low"},
    404: {"model": Error, "description": "not found (or not yours)"},
    422: {"model": Error, "description": "invalid input"},
}


class Page(BaseModel):
    limit: int
    offset: int

    @classmethod
    def dep(cls, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=10_000_000)) -> Page:
        return cls(limit=limit, offset=offset)


def page_body(items: list[Any], total: int, page: Page) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


# Every database id in a path: a positive 32-bit integer (anything else is a 422, not a database error).
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
