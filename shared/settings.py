"""Configuration for every service, read from ``COMPLAINTS_*`` environment variables.

One settings object serves all three services so that `complaints up` and the
containers of docker-compose read the same names.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.vocab import DEFAULT_STAGE_SHARES, CaseStage, Language

ServiceName = Literal["intake", "resolution", "analytics"]
SERVICE_NAMES: tuple[ServiceName, ...] = ("intake", "resolution", "analytics")


class Settings(BaseSettings):
    """Runtime configuration; every field maps to ``COMPLAINTS_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="COMPLAINTS_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=Path(".data"),
        description="Where SQLite files and generated secrets are kept.",
    )
    kafka_bootstrap: str = Field(
        default="",
        description="Kafka bootstrap servers (host:port,...). Empty: start the embedded broker.",
    )
    kafka_partitions: int = Field(default=6, ge=1, le=256, description="Partitions per topic.")
    mongo_url: str = Field(
        default="", description="MongoDB URL (a replica set). Empty: SQLite in the data dir."
    )
    mongo_db_prefix: str = Field(
        default="complaints_", description="Each service uses database <prefix><service>."
    )
    token_secret: str = Field(
        default="",
        description="HS256 secret for bearer tokens. Empty: generated once into the data dir.",
    )
    token_ttl_hours: float = Field(default=12, gt=0, description="Lifetime of minted tokens.")
    data_key: str = Field(
        default="",
        description="Fernet key for personal data at rest. Empty: generated into the data dir.",
    )
    host: str = Field(default="127.0.0.1", description="HTTP listen address.")
    port: int = Field(default=8000, ge=0, le=65535, description="HTTP listen port.")
    timezone: str = Field(
        default="Asia/Shanghai", description="The dealership's time zone (ticket days, calendars)."
    )
    dealer_name: str = Field(
        default="汽车4S店", description="Signs customer messages, e.g. 【广州某某4S店】."
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Larger request bodies are refused with 413."
    )
    survey_complaint_threshold: float = Field(
        default=0.6,
        gt=0,
        le=1,
        description="A survey scored at or below this share of its scale becomes a complaint.",
    )
    sla_hours: float = Field(
        default=48, gt=0, description="Registration to resolved-and-notified, in hours."
    )
    first_contact_hours: float = Field(
        default=2, gt=0, description="The customer is contacted within this many hours."
    )
    owner_hours: float = Field(default=4, gt=0, description="An owner is named within this.")
    customer_update_hours: float = Field(
        default=24,
        ge=0,
        description="An open case's customer hears from us at least this often (a message or"
        " a recorded contact); the owner is reminded otherwise. 0: not watched.",
    )
    stage_budgets: str = Field(
        default=",".join(f"{stage}={share:g}" for stage, share in DEFAULT_STAGE_SHARES),
        description="Percent of the closed loop each stage may take (triage, investigate,"
        " propose, approve, execute); a stage over its budget notifies whoever holds it.",
    )
    business_hours: str = Field(
        default="",
        pattern=r"^$|^\d{2}:\d{2}-\d{2}:\d{2}$",
        description="e.g. 08:30-18:00: SLA clocks run only then. Empty: calendar hours.",
    )
    holidays: str = Field(
        default="",
        description="Dates (2026-10-01,...) when SLA clocks stop, with business_hours.",
    )
    second_approval_above: float = Field(
        default=5000, ge=0, description="Remedies above this amount (CNY) also need the GM."
    )
    sla_sweep_seconds: float = Field(
        default=15, gt=0, description="How often resolution looks for SLA deadlines that came."
    )
    startup_timeout: float = Field(
        default=20, gt=0, description="Seconds to wait for the broker and the store at start."
    )
    outbox_poll_seconds: float = Field(
        default=0.5, gt=0, description="How often the outbox relay looks for unsent events."
    )
    embedded_replay_hours: float = Field(
        default=168,
        ge=0,
        description="With the in-memory embedded broker, events of this many past hours are"
        " sent again at start (consumers drop what they already applied).",
    )
    outbox_keep_days: float = Field(
        default=14,
        ge=0,
        description="Published events are deleted from each service's outbox after this many"
        " days (they hold customers' names and words); with the embedded broker, at least"
        " its replay window. 0: kept.",
    )
    outbox_purge_seconds: float = Field(
        default=3600, gt=0, description="How often each service purges its published outbox."
    )
    alert_keep_days: float = Field(
        default=90,
        ge=0,
        description="Staff alerts marked read are deleted after this many days (unread ones"
        " stay until someone reads them). 0: kept.",
    )
    consumer_max_attempts: int = Field(
        default=3, ge=1, description="Tries before a failing message goes to the dead-letter topic."
    )
    retrain_min_confirmations: int = Field(
        default=20,
        ge=1,
        description="Analytics retrains the cause classifier after this many new confirmed causes.",
    )
    retrain_check_seconds: float = Field(
        default=300, gt=0, description="How often analytics looks for new confirmed causes."
    )
    retention_days: int = Field(
        default=1095,
        ge=0,
        description="A closed complaint's personal data is erased this many days after its"
        " case closed (PIPL art. 19; 1095: the Civil Code's 3-year limitation period). 0: kept.",
    )
    retention_check_seconds: float = Field(
        default=3600, gt=0, description="How often intake looks for complaints past retention."
    )
    message_gateway_url: str | None = Field(
        default=None,
        description="Where intake POSTs each customer message (SMS, WeChat, e-mail) as JSON"
        " (see `services/intake/senders.py`). Unset: messages are only recorded, not sent.",
    )
    message_gateway_token: str | None = Field(
        default=None, description="Bearer token for the message gateway, if it wants one."
    )
    message_max_age_hours: float = Field(
        default=24,
        gt=0,
        description="A customer message not sent this many hours after it was requested is"
        " not sent at all (stale news); the case shows it as expired.",
    )
    message_send_seconds: float = Field(
        default=2, gt=0, description="How often intake sends the customer messages that are due."
    )
    staff_alert_webhook_url: str | None = Field(
        default=None,
        description="Where resolution pushes each staff alert (SLA reminder, escalation,"
        " reopening): a WeChat Work group robot's webhook address, or a JSON webhook (see"
        " `services/resolution/alert_push.py`). Unset: alerts stay in the inbox only.",
    )
    staff_alert_webhook_kind: Literal["wecom", "json"] = Field(
        default="wecom",
        description="wecom: WeChat Work robot text messages that @-mention the owner; json:"
        " the alert as JSON with Idempotency-Key.",
    )
    staff_alert_webhook_token: str | None = Field(
        default=None, description="Bearer token for a json staff-alert webhook, if it wants one."
    )
    staff_alert_language: Language = Field(
        default="zh", description="The language of pushed staff alerts (zh or en)."
    )
    staff_alert_push_seconds: float = Field(
        default=5, gt=0, description="How often resolution pushes the staff alerts that are due."
    )
    staff_alert_push_window_hours: float = Field(
        default=6,
        gt=0,
        description="An alert not pushed this many hours after it fired is not pushed at all"
        " (it stays in the inbox).",
    )
    public_url: str | None = Field(
        default=None,
        description="Where staff open the pages (e.g. https://complaints.dealer.example):"
        " pushed alerts link to the case there.",
    )
    trend_check_seconds: float = Field(
        default=300, gt=0, description="How often analytics compares this week with its baseline."
    )
    trend_baseline_weeks: int = Field(
        default=8, ge=2, le=52, description="Weeks of baseline for trend alerts."
    )
    trend_alpha: float = Field(
        default=0.01, gt=0, lt=1, description="Poisson tail probability below which a rise alerts."
    )
    trend_min_cases: int = Field(
        default=5, ge=1, description="A bucket needs at least this many complaints to alert."
    )
    trusted_origins: str = Field(
        default="",
        description="Origins (`https://crm.example.com,...`) whose page forms are accepted"
        " besides the host's own: for a proxy that does not pass the public host on.",
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_format: Literal["console", "json"] = Field(default="console", description="Log style.")

    @property
    def trusted_origin_list(self) -> frozenset[str]:
        return frozenset(
            o.strip().rstrip("/").lower() for o in self.trusted_origins.split(",") if o.strip()
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def embedded_broker(self) -> bool:
        return not self.kafka_bootstrap.strip()

    @property
    def uses_mongo(self) -> bool:
        return bool(self.mongo_url.strip())

    @model_validator(mode="after")
    def _outbox_covers_the_replay(self) -> Settings:
        # only the embedded broker starts empty and needs the replay; Kafka keeps its topics
        if (
            self.embedded_broker
            and self.outbox_keep_days
            and self.outbox_keep_days * 24 < self.embedded_replay_hours
        ):
            raise ValueError(
                f"COMPLAINTS_OUTBOX_KEEP_DAYS ({self.outbox_keep_days:g}) must cover"
                f" COMPLAINTS_EMBEDDED_REPLAY_HOURS ({self.embedded_replay_hours:g} h),"
                " or be 0 to keep every event"
            )
        return self

    @field_validator("stage_budgets")
    @classmethod
    def _stage_budgets_parse(cls, value: str) -> str:
        stage_shares(value)
        return value

    @cached_property
    def resolved_data_dir(self) -> Path:
        path = self.data_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    def sqlite_path(self, service: ServiceName) -> Path:
        return self.resolved_data_dir / f"{service}.db"

    def mongo_database(self, service: ServiceName) -> str:
        return f"{self.mongo_db_prefix}{service}"


def stage_shares(text: str) -> tuple[tuple[str, float], ...]:
    """``"triage=10,investigate=35,…"`` → (stage, percent) pairs; ValueError says what is wrong."""
    shares: dict[str, float] = {}
    budgeted = [stage.value for stage in CaseStage if stage is not CaseStage.FEEDBACK]
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, _, value = (part.strip() for part in item.partition("="))
        try:
            share = float(value)
        except ValueError:
            share = 0.0
        if name not in budgeted or not share > 0:
            raise ValueError(f"{item!r} is not stage=percent with a stage of {', '.join(budgeted)}")
        if name in shares:
            raise ValueError(f"{name} is given twice")
        shares[name] = share
    if sum(shares.values()) > 100:
        raise ValueError(f"stage budgets add up to {sum(shares.values()):g}%, more than 100%")
    return tuple(shares.items())
