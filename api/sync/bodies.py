"""Batch bodies: a JSON array or NDJSON, each record validated on its own so that every bad one is reported."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

import orjson
from fastapi import Request
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from api.core.errors import UnsupportedMediaType, ValidationFailed, validation_errors
from api.core.http import NDJSON_TYPES

JSON_TYPES = ("application/json",)
# A register's record has about 20 values; 64 leaves room for long lists of sectors, tags and sources.
FAST_COMMAS_PER_RECORD = 64


async def read_records(request: Request, schema: type[BaseModel], *, max_records: int) -> list[Any]:
    """The validated records of a batch body, or a 422 naming each bad record by index (and line for NDJSON)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in JSON_TYPES + NDJSON_TYPES:
        raise UnsupportedMediaType(f"Send the records as application/json (an array) or application/x-ndjson "
                                   f"(one object per line), not {media_type or 'no content type'}.")
    raw = await request.body()
    # The common case, a valid batch, is validated straight from the bytes, without a dict per record in
    # between. An array is parsed whole before its length is known, and the parser's tree of a body made of
    # tiny values takes far more memory than the body, so only bodies with a plausible number of values per
    # record take this way (a comma per value at most). Anything else, and any error, goes the way below,
    # which counts the records first and names every bad one.
    valid = None
    try:
        if media_type not in JSON_TYPES:
            valid = _valid_lines(schema, raw, max_records)
        elif raw.count(b",") <= max_records * FAST_COMMAS_PER_RECORD:
            valid = _list_of(schema, max_records).validate_json(raw)
    except ValidationError:
        valid = None
    if valid is not None:
        return valid
    errors: list[dict[str, Any]] = []
    lines: list[int | None]
    if media_type in JSON_TYPES:
        try:
            items = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ValidationFailed(f"The body is not JSON: {exc}.", errors=[
                {"field": "body", "message": str(exc), "code": "json_invalid"}]) from exc
        if not isinstance(items, list):
            raise ValidationFailed("The body must be a JSON array of records.", errors=[
                {"field": "body", "message": "expected an array", "code": "list_type"}])
        lines = [None] * len(items)
    else:
        items, lines = [], []
        for number, line in enumerate(raw.split(b"\n"), start=1):
            if not line.strip():
                continue
            try:
                items.append(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                errors.append({"line": number, "field": f"line.{number}", "message": f"not JSON: {exc}",
                               "code": "json_invalid"})
                items.append(None)
            lines.append(number)
    if len(items) > max_records:
        raise ValidationFailed(f"A batch takes at most {max_records} records; this one has {len(items)}.", errors=[
            {"field": "body", "message": f"at most {max_records} records", "code": "too_long"}])
    records: list[Any] = []
    for index, (item, line) in enumerate(zip(items, lines, strict=True)):
        if item is None and line is not None and any(e.get("line") == line for e in errors):
            for e in errors:
                if e.get("line") == line:
                    e["index"] = index
            continue
        try:
            records.append(schema.model_validate(item))
        except ValidationError as exc:
            for error in validation_errors(list(exc.errors())):
                entry: dict[str, Any] = {"index": index, **error,
                                         "field": f"body.{index}" + (f".{error['field']}" if error["field"] else "")}
                if line is not None:
                    entry["line"] = line
                errors.append(entry)
    if errors:
        bad = len({e["index"] for e in errors})
        raise ValidationFailed(f"{bad} of {len(items)} record(s) are not valid; nothing was written.", errors=errors)
    return records


@cache
def _list_of(schema: type[BaseModel], max_records: int) -> TypeAdapter[list[Any]]:
    # The length bound stops a long array at its first record too many.
    return TypeAdapter(Annotated[list[schema], Field(max_length=max_records)])  # type: ignore[valid-type]


def _valid_lines(schema: type[BaseModel], raw: bytes, max_records: int) -> list[Any] | None:
    """The records of an NDJSON body, or None when there are too many (a ValidationError for a bad one)."""
    records = []
    for line in raw.split(b"\n"):
        if line.strip():
            if len(records) == max_records:
                return None
            records.append(schema.model_validate_json(line))
    return records
