"""Bulk import of complaints from CSV or JSON lines, through the intake batch API.

Going through the API (not the database) means the same validation, ticket numbers,
duplicate detection and events as any other registration, against any deployment.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

CSV_COLUMNS = (
    "channel", "name", "phone", "content", "vin", "plate", "model", "demands", "demand_note",
    "received_at", "customer_id", "id_number", "email", "language", "external_id",
    "idempotency_key", "marked_urgent",
)  # fmt: skip
_LIST_SEPARATORS = re.compile(r"[;；、,，|]")


@dataclass(frozen=True)
class Row:
    line: int
    body: dict[str, Any] | None
    error: str | None = None


@dataclass
class ImportReport:
    registered: int = 0
    linked: int = 0
    replayed: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.registered + self.linked + self.replayed


def _csv_row_to_body(row: dict[str, str]) -> dict[str, Any]:
    """A flat spreadsheet row → the agent-form JSON; empty cells are left out."""
    cell = {key.strip().lower(): (value or "").strip() for key, value in row.items() if key}
    customer = {
        key: cell[key]
        for key in ("name", "phone", "customer_id", "id_number", "email")
        if cell.get(key)
    }
    vehicle = {key: cell[key] for key in ("vin", "plate", "model") if cell.get(key)}
    body: dict[str, Any] = {"channel": cell.get("channel") or "hotline", "customer": customer}
    if vehicle:
        body["vehicle"] = vehicle
    for key in ("content", "demand_note", "received_at", "language", "external_id"):
        if cell.get(key):
            body[key] = cell[key]
    if cell.get("demands"):
        body["demands"] = [d.strip() for d in _LIST_SEPARATORS.split(cell["demands"]) if d.strip()]
    if cell.get("marked_urgent"):
        body["marked_urgent"] = cell["marked_urgent"].lower() in ("1", "true", "yes", "是", "y")
    if cell.get("idempotency_key"):
        body["idempotency_key"] = cell["idempotency_key"]
    return body


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030, as Excel in China writes CSV."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def read_rows(path: Path) -> Iterator[Row]:
    text = _decode(path.read_bytes())
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = {"name", "phone", "content"} - {
            c.strip().lower() for c in reader.fieldnames or []
        }
        if missing:
            raise ValueError(f"{path.name}: CSV header lacks {', '.join(sorted(missing))}")
        for row in reader:
            yield Row(line=reader.line_num, body=_csv_row_to_body(row))
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            body = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Row(line=number, body=None, error=f"not JSON: {exc.msg}")
            continue
        if not isinstance(body, dict):
            yield Row(line=number, body=None, error="expected a JSON object")
            continue
        yield Row(line=number, body=body)


def import_file(
    path: Path,
    *,
    client: httpx.Client,
    batch_size: int = 100,
    on_progress: Callable[[int], None] = lambda n: None,
) -> ImportReport:
    """Send the rows in batches; each bad row is reported with its line number and reason."""
    report = ImportReport()
    batch: list[Row] = []

    def flush() -> None:
        if not batch:
            return
        response = client.post("/intake/complaints:batch", json=[row.body for row in batch])
        if response.status_code != 200:
            detail = _problem_detail(response)
            raise RuntimeError(
                f"the intake API refused the batch ({response.status_code}): {detail}"
            )
        for result in response.json()["results"]:
            row = batch[result["index"]]
            outcome = result.get("outcome")
            if outcome == "registered":
                report.registered += 1
            elif outcome == "linked":
                report.linked += 1
            elif outcome == "replayed":
                report.replayed += 1
            else:
                reason = "; ".join(
                    f"{e['path'] or 'row'}: {e['message']}" for e in result.get("errors", [])
                )
                report.rejected.append((row.line, reason))
        on_progress(len(batch))
        batch.clear()

    for row in read_rows(path):
        if row.body is None:
            report.rejected.append((row.line, row.error or "unreadable"))
            on_progress(1)
            continue
        batch.append(row)
        if len(batch) >= batch_size:
            flush()
    flush()
    report.rejected.sort()
    return report


def count_rows(path: Path) -> int:
    return sum(1 for _ in read_rows(path))


def _problem_detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text[:200]
