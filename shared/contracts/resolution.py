"""Events published by resolution."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict

CASE_OPENED: Final = "case.opened"


class CaseOpened(BaseModel):
    """A case now owns the complaint, with the deadline of the closed loop."""

    model_config = ConfigDict(frozen=True)

    complaint_id: str
    case_id: str
    status: str
    opened_at: datetime
    due_at: datetime
