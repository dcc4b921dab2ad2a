"""`complaints analytics …` and `complaints eval-classifier`: train, rebuild, evaluate."""

from __future__ import annotations

import asyncio
import csv
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from shared.errors import StartupError
from shared.logging import configure_logging
from shared.settings import Settings

if TYPE_CHECKING:
    from services.analytics.domain.classifier.model import Prediction

app = typer.Typer(help="Cause analytics: train the classifier, rebuild read models.")
out = Console(soft_wrap=True)
T = TypeVar("T")

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Where data is kept.")]


def _settings(data_dir: Path | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"data_dir": data_dir}) if data_dir else settings


def _with_service(settings: Settings, use: Callable[..., Awaitable[T]]) -> T:
    """Open analytics' own store (SQLite or MongoDB, as configured) around one job."""
    from services.analytics.service import AnalyticsService
    from services.analytics.store import create_analytics_store
    from shared.clock import SystemClock

    configure_logging(settings.log_level, settings.log_format)
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # errors reach the user as one line

    async def main() -> T:
        store = create_analytics_store(settings)
        await store.open()
        try:
            service = AnalyticsService(
                store=store,
                clock=SystemClock(),
                zone=settings.zone,
                retrain_min_confirmations=settings.retrain_min_confirmations,
            )
            return await use(service)
        finally:
            await store.close()

    return asyncio.run(main())


@app.command()
def train(data_dir: DataDir = None) -> None:
    """Train a new classifier version on the examples and every confirmed cause."""
    from services.analytics.service import AnalyticsService

    async def run(service: AnalyticsService) -> None:
        stored = await service.train()
        counts = ", ".join(f"{k} {v}" for k, v in stored.trained_on.items())
        out.print(f"model {stored.version} is active (trained on {counts})", highlight=False)
        if "cv_macro_f1" in stored.metrics:
            out.print(
                "cross-validated macro-F1 on its training data:"
                f" {stored.metrics['cv_macro_f1']:.3f}",
                highlight=False,
            )

    _with_service(_settings(data_dir), run)


@app.command()
def rebuild(
    bootstrap: Annotated[
        str | None,
        typer.Option("--bootstrap", help="Kafka to read; default COMPLAINTS_KAFKA_BOOTSTRAP."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Forget the read models and fold every event the topics still hold, again."""
    from services.analytics.service import AnalyticsService
    from shared.bus.replay import read_topics
    from shared.contracts.topics import CASE_EVENTS, INTAKE_EVENTS

    settings = _settings(data_dir)
    address = bootstrap or settings.kafka_bootstrap
    if not address:
        raise StartupError(
            "rebuild reads the topics from Kafka: pass --bootstrap or set"
            " COMPLAINTS_KAFKA_BOOTSTRAP (`complaints up` prints the embedded broker's address)"
        )

    async def run(service: AnalyticsService) -> None:
        events, skipped = await read_topics(
            address, [INTAKE_EVENTS, CASE_EVENTS], timeout=settings.startup_timeout
        )
        await service.reset()
        applied = await service.replay(events)
        out.print(
            f"rebuilt from {len(events)} events ({applied} applied, {skipped} unreadable)",
            highlight=False,
        )

    _with_service(settings, run)


def eval_classifier(
    file: Annotated[Path, typer.Argument(help="A CSV with `text` and `causes` (;-separated).")],
    data_dir: DataDir = None,
    limit: Annotated[
        int,
        typer.Option(
            "--disagreements",
            min=0,
            help="Also list the first N rows where the model and the labels disagree.",
        ),
    ] = 0,
) -> None:
    """Macro-F1 and per-label F1 of the active classifier on a labelled CSV."""
    from services.analytics.domain.classifier.evaluation import disagreements, evaluate
    from services.analytics.service import AnalyticsService

    texts, truth = _read_labelled(file)
    labels = sorted({label for row in truth for label in row})

    async def run(service: AnalyticsService) -> str:
        model = await service.classifier()
        predictions = [model.predict(text) for text in texts]
        predicted = [frozenset(p.causes) for p in predictions]
        result = evaluate(truth, predicted, labels)
        table = Table(title=f"{file.name}: {result.rows} rows, model {model.version}")
        for column in ("label", "precision", "recall", "F1", "support"):
            table.add_column(column, justify="left" if column == "label" else "right")
        for score in result.labels:
            table.add_row(
                score.label,
                f"{score.precision:.3f}",
                f"{score.recall:.3f}",
                f"{score.f1:.3f}",
                str(score.support),
            )
        out.print(table)
        if limit:
            parted = disagreements(truth, predicted, labels)
            shown = parted[:limit]
            lines = [
                f"disagreements: {len(shown)} of {len(parted)} shown",
                *_disagreement_lines(shown, texts, truth, predictions, labels),
            ]
            out.print("\n".join(lines), highlight=False, markup=False)
        return f"macro-F1 {result.macro_f1:.3f} over {len(labels)} labels"

    out.print(_with_service(_settings(data_dir), run), highlight=False)


def _disagreement_lines(
    rows: list[int],
    texts: list[str],
    truth: list[frozenset[str]],
    predictions: list[Prediction],
    labels: list[str],
) -> list[str]:
    """Where model and labels part, with the probability of each disputed label and the
    phrases behind what the model predicted: enough to judge who is right."""
    lines = []
    for row in rows:
        prediction = predictions[row]
        disputed = sorted((truth[row] ^ frozenset(prediction.causes)) & frozenset(labels))
        evidence = " · ".join(
            f"{e.cause}: {', '.join(e.terms)}" for e in prediction.evidence if e.terms
        )
        lines += [
            f"row {row + 1}  {texts[row]}",  # counted as data rows (a text may span lines)
            f"  labelled   {', '.join(sorted(truth[row])) or '-'}",
            f"  predicted  {', '.join(prediction.causes)}",
            "  disputed   "
            + ", ".join(f"{label} {prediction.probabilities[label]:.2f}" for label in disputed),
            f"  evidence   {evidence or '-'}",
        ]
    return lines


def _read_labelled(file: Path) -> tuple[list[str], list[frozenset[str]]]:
    if not file.is_file():
        raise StartupError(f"no such file: {file}")
    with file.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"text", "causes"} - set(reader.fieldnames or ())
        if missing:
            raise StartupError(f"{file} has no column {', '.join(sorted(missing))}")
        rows = list(reader)
    if not rows:
        raise StartupError(f"{file} has no rows")
    texts = [row["text"] for row in rows]
    truth = [frozenset(c.strip() for c in row["causes"].split(";") if c.strip()) for row in rows]
    return texts, truth
