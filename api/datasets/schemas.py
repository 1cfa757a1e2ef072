"""What the open-data endpoints answer, documented for clients (the routes render these shapes directly)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.core.schemas import ReadSchema


class DictionaryEntry(ReadSchema):
    field: str
    type: str
    unit: str | None
    description: str
    allowed_values: list[str] | None


class DatasetDownloads(ReadSchema):
    csv: str
    jsonl: str
    json_: str = Field(alias="json")


class DatasetRead(ReadSchema):
    name: str
    title: str
    description: str
    theme: str = Field(description="EU data theme (Publications Office vocabulary).")
    keywords: list[str]
    publisher: str
    licence: str
    licence_url: str
    last_modified: datetime | None
    supports_modified_since: bool
    dictionary: list[DictionaryEntry]
    downloads: DatasetDownloads
    releases: str = Field(description="Where the dataset's releases are listed.")


class DatasetList(ReadSchema):
    items: list[DatasetRead]


class ReleaseFile(ReadSchema):
    sha256: str
    size: int
    url: str


class ReleaseRead(ReadSchema):
    dataset: str
    number: int
    rows: int
    note: str | None
    created_at: datetime
    files: dict[str, ReleaseFile] = Field(description="By format: csv, jsonl, json.")
