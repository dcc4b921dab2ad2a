"""Analytics use cases: fold events into read models, classify, report, alert, prevent."""

from __future__ import annotations

import asyncio
import dataclasses
import pickle
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import structlog

from services.analytics.domain.classifier.agreement import Agreement, agreement
from services.analytics.domain.classifier.erasure import (
    ERASED_EXAMPLES,
    TRAINED_AFTER,
    may_hold_erased_words,
)
from services.analytics.domain.classifier.model import CauseClassifier, Prediction, train
from services.analytics.domain.counters import Summary, increments_for, summarize
from services.analytics.domain.cube import (
    DIMENSIONS,
    Measures,
    contributions,
    cube_layout,
    difference,
    period_start,
)
from services.analytics.domain.facts import (
    FOLDED_TYPES,
    ComplaintFact,
    PredictedCause,
    fold,
    with_prediction,
)
from services.analytics.domain.prevention import (
    Effect,
    PreventionAction,
    advance,
    effect,
    monday,
)
from services.analytics.domain.reports import (
    Breakdown,
    Filters,
    Overview,
    Pareto,
    PeriodRange,
    Series,
    SeriesPoint,
    StageReport,
    breakdown,
    decompose,
    figures,
    pareto,
    stage_report,
    time_to_close,
)
from services.analytics.domain.trends import TREND_DIMENSIONS, Spike, baseline_weeks, detect_spikes
from services.analytics.model_cache import baseline, examples_key
from services.analytics.store import AnalyticsStore, StoredAlert, StoredModel
from services.analytics.training_data import confirmed_examples, packaged_examples
from shared.clock import Clock
from shared.contracts.analytics import (
    CAUSE_PREDICTED,
    TREND_ALERT_RAISED,
    CausePredicted,
    TrendAlertRaised,
)
from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.intake import COMPLAINT_ERASED, COMPLAINT_REGISTERED, ComplaintRegistered
from shared.errors import ConflictError, NotFoundError, TransientStoreError
from shared.vocab import PdcaStage, PreventionType

SERVICE = "analytics"
COUNT = ("n",)
"""For a histogram or a weekly count: the one measure it reads (``store.sum_cells``)."""
log = structlog.get_logger(__name__)

COLUMN_DIMENSIONS = ("cause", "department", "channel")
VALUE_DIMENSIONS = tuple(
    d for d in DIMENSIONS if d not in ("all", "close_time", "stage_time", "stage_over")
)
"""The cube's dimensions a breakdown can group by ("all" holds totals, "close_time" and
"stage_time" are histograms, "stage_over" counts stages, not complaints)."""
BREAKDOWNS = COLUMN_DIMENSIONS + VALUE_DIMENSIONS


def _cells_for(by: str) -> tuple[str, str]:
    """(cube dimension, column to group by) for a breakdown."""
    if by in COLUMN_DIMENSIONS:
        return "all", by
    if by in VALUE_DIMENSIONS:
        return by, "value"
    raise ValueError(f"cannot break down by {by!r}; one of {', '.join(BREAKDOWNS)}")


class AnalyticsService:
    def __init__(
        self,
        *,
        store: AnalyticsStore,
        clock: Clock,
        zone: ZoneInfo,
        retrain_min_confirmations: int = 20,
        trend_weeks: int = 8,
        trend_alpha: float = 0.01,
        trend_min_cases: int = 5,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._zone = zone
        self._retrain_min = retrain_min_confirmations
        self._trend_weeks = trend_weeks
        self._trend_alpha = trend_alpha
        self._trend_min_cases = trend_min_cases
        self._on_commit = on_commit
        self._classifier: CauseClassifier | None = None
        self._model_lock = asyncio.Lock()

    def on_commit(self, callback: Callable[[], None]) -> None:
        self._on_commit = callback

    # -- events ---------------------------------------------------------------------

    async def on_event(self, event: EventEnvelope, *, publish: bool = True) -> bool:
        """Fold one event into the facts and the cube, once; False for a redelivery."""
        prediction = None
        if event.type == COMPLAINT_REGISTERED:
            text = event.payload_as(ComplaintRegistered).content
            prediction = _predicted(await self.predict(text))
        async with self._store.unit_of_work() as uow:
            if not await uow.claim(SERVICE, event.event_id):
                return False
            await uow.add_counters(increments_for(event))
            if event.type not in FOLDED_TYPES:
                return True
            if event.type == COMPLAINT_ERASED:
                await uow.forget_published_events(event.complaint_id)
            before = await uow.get_fact(event.complaint_id)
            after = fold(before, event)
            if (
                after.erased_at
                and (before is None or before.may_have_taught_the_classifier)
                and await uow.remember_erased_example(event.complaint_id)
            ):
                await uow.add_counters({ERASED_EXAMPLES: 1})  # models may have its words
            if prediction is not None and after.prediction is None:
                after = with_prediction(after, prediction)
            if after.ready_to_publish_prediction:
                if publish:  # a rebuild replays history: resolution had its prediction then
                    await uow.add_events([_prediction_event(after, cause=event)])
                after = after.model_copy(update={"prediction_published": True})
            await uow.add_to_cube(
                difference(contributions(before, self._zone), contributions(after, self._zone))
            )
            await uow.save_fact(after)
        if event.type == COMPLAINT_ERASED:
            await self._store.forget_deleted()
        return True

    async def replay(self, events: Iterable[EventEnvelope]) -> int:
        """Fold events again after ``reset``; publishes nothing (rebuild)."""
        applied = 0
        for event in events:
            applied += await self.on_event(event, publish=False)
        return applied

    async def reset(self) -> None:
        """Forget the read models before a rebuild, but not which erasures the models have
        seen, nor how many: the topics may no longer hold the earlier ones, and a count that
        fell would let a model keep words erased later. Erasures are remembered by
        complaint, so the replay does not count them again."""
        await self._store.reset_read_models(SERVICE, keep_counters=(ERASED_EXAMPLES,))

    async def cube_is_stale(self) -> bool:
        """Whether ``prepare_cube`` has complaints to recompute (it then takes minutes on a
        large store: about 22 at 1,000,000 complaints)."""
        stored = await self._store.cube_layout()
        return stored != cube_layout(self._zone) and await self._store.has_facts()

    async def prepare_cube(self) -> int | None:
        """Recompute the cube from the stored facts when it was computed by other code (a new
        dimension) or in another time zone; before consuming. Returns the facts read, or
        None when the cube was current."""
        layout = cube_layout(self._zone)
        stored = await self._store.cube_layout()
        if stored == layout:
            return None
        read = await self._store.recompute_cube(
            lambda fact, cells: contributions(fact, self._zone, into=cells), layout
        )
        if read or stored is not None:  # a new, empty store needs no announcement
            log.info("cube recomputed from facts", facts=read, was=stored, now=layout)
        return read

    # -- classifier -----------------------------------------------------------------

    async def classifier(self) -> CauseClassifier:
        """The active model; trained from the packaged examples when there is none yet, or
        when the active one was trained with features this code no longer makes."""
        active = await self._store.active_model_version()
        if self._classifier is not None and self._classifier.version == active:
            return self._classifier
        async with self._model_lock:
            stored = await self._store.active_model()
            if stored is not None and (
                self._classifier is None or self._classifier.version != stored[0].version
            ):
                loaded = await self._unpickle(stored[1])
                if loaded.is_current:
                    self._classifier = loaded
                else:
                    log.warning("active cause model is outdated: training a new version",
                                version=stored[0].version)  # fmt: skip
                    stored = None
            if stored is None:
                await self._train()
            if self._classifier is None:  # another instance's version won: load it
                winner = await self._store.active_model()
                assert winner is not None
                self._classifier = await self._unpickle(winner[1])
            return self._classifier

    @staticmethod
    async def _unpickle(blob: bytes) -> CauseClassifier:
        model: CauseClassifier = await asyncio.to_thread(pickle.loads, blob)
        return model

    async def predict(self, text: str) -> Prediction:
        model = await self.classifier()
        return model.predict(text)

    async def train(self) -> StoredModel:
        """A new version from the packaged examples plus every confirmed cause; active now."""
        async with self._model_lock:
            return await self._train()

    async def _erased_examples(self) -> int:
        return (await self._store.counters()).get(ERASED_EXAMPLES, 0)

    async def _train(self) -> StoredModel:
        """Only under the model lock: one training at a time in this process."""
        erased = await self._erased_examples()  # first: an erasure meanwhile makes it stale
        facts = await self._store.confirmations()
        confirmed = confirmed_examples(facts)
        examples = packaged_examples() + confirmed
        now = self._clock.now()
        existing = await self._store.list_models()
        # named by what it learnt from, so instances training on the same data at once
        # name it alike and the store keeps one
        version = f"m{_next_ordinal(existing):03d}-{examples_key(examples)[:8]}"
        if confirmed:
            model = await asyncio.to_thread(train, examples, version=version)
        else:
            model = await asyncio.to_thread(baseline, examples, version=version)
        blob = await asyncio.to_thread(pickle.dumps, model)
        stored = StoredModel(
            version=version,
            created_at=now,
            active=True,
            trained_on={
                **model.trained_on,
                "confirmations": len(facts),
                TRAINED_AFTER: erased,
            },
            metrics=_cv_metrics(model.cv_f1),
        )
        try:
            await self._store.save_model(stored, blob)
        except (ConflictError, TransientStoreError):
            # another instance saved a model meanwhile (this very version, or a write that
            # collided with ours): theirs is kept, and this process loads the active one
            theirs = await self._store.get_model(version)
            if theirs is None:
                raise
            log.info("cause classifier trained elsewhere meanwhile", version=version)
            self._classifier = None
            return theirs[0]
        self._classifier = model
        log.info("cause classifier trained", version=version, examples=len(examples))
        await self._delete_models_with_erased_words()
        return stored

    async def _delete_models_with_erased_words(self) -> int:
        """The versions no longer active that learnt from words erased since: deleted, so
        the customer's words are in no model (the active one is replaced by retraining)."""
        erased = await self._erased_examples()
        stale = [
            m.version
            for m in await self._store.list_models()
            if not m.active and may_hold_erased_words(m.trained_on, erased)
        ]
        deleted = await self._store.delete_models(stale)
        if deleted:
            await self._store.forget_deleted()
            log.info("cause models holding erased words deleted", n=deleted)
        return deleted

    async def retrain_if_due(self) -> StoredModel | None:
        """Retrain once enough new causes were confirmed since the active model (or none yet),
        or at once when the active model learnt from words erased since."""
        async with self._model_lock:
            confirmed = await self._store.count_confirmations()
            models = await self._store.list_models()
            active = next((m for m in models if m.active), None)
            known = active.trained_on.get("confirmations", 0) if active else 0
            erased = await self._erased_examples()
            if (
                active is not None
                and not may_hold_erased_words(active.trained_on, erased)
                and confirmed - known < self._retrain_min
            ):
                await self._delete_models_with_erased_words()
                return None
            return await self._train()

    async def models(self) -> list[StoredModel]:
        return await self._store.list_models()

    async def agreement(self) -> list[Agreement]:
        """Per model version, how its predictions compare with the investigators' causes."""
        return agreement(await self._store.confirmations())

    async def activate(self, version: str) -> None:
        found = await self._store.get_model(version)
        if found is None:
            raise NotFoundError(f"no model version {version}")
        if may_hold_erased_words(found[0].trained_on, await self._erased_examples()):
            raise ConflictError(
                f"model {version} learnt from complaints whose personal data was erased since:"
                " train a new one instead",
                code="model_holds_erased_words",
                version=version,
            )
        if not (await self._unpickle(found[1])).is_current:
            raise ConflictError(
                f"model {version} was trained with features this version no longer makes:"
                " train a new one instead",
                code="model_outdated",
                version=version,
            )
        if not await self._store.activate_model(version):
            raise NotFoundError(f"no model version {version}")

    # -- reports --------------------------------------------------------------------

    async def summary(self) -> Summary:
        return summarize(await self._store.counters())

    async def overview(self, filters: Filters) -> Overview:
        ranges = decompose(filters.start, filters.end)
        total = await self._store.sum_cells(ranges, dimension="all", group_by=(), filters=filters)
        histogram = await self._store.sum_cells(
            ranges, dimension="close_time", group_by=("value",), filters=filters, measures=COUNT
        )
        return Overview(
            start=filters.start,
            end=filters.end,
            figures=figures(total.get((), Measures())),
            time_to_close=time_to_close({k[0]: m.n for k, m in histogram.items()}),
        )

    async def stages(
        self, filters: Filters, stage_labels: dict[str, str], department_labels: dict[str, str]
    ) -> StageReport:
        ranges = decompose(filters.start, filters.end)
        by_department = dataclasses.replace(filters, channel=None, cause=None)  # not split by them
        times = await self._store.sum_cells(
            ranges,
            dimension="stage_time",
            group_by=("department", "value"),
            filters=by_department,
            measures=COUNT,
        )
        over = await self._store.sum_cells(
            ranges,
            dimension="stage_over",
            group_by=("department", "value"),
            filters=by_department,
            measures=COUNT,
        )
        histograms: dict[tuple[str, str], dict[int, int]] = {}
        for (department, value), measures in times.items():
            stage, _, bound = value.partition(":")
            histograms.setdefault((department, stage), {})[int(bound)] = measures.n
        return stage_report(
            filters,
            histograms,
            {(department, stage): m.n for (department, stage), m in over.items()},
            stage_labels,
            department_labels,
        )

    async def groups(self, by: str, filters: Filters) -> dict[str, Measures]:
        dimension, column = _cells_for(by)
        sums = await self._store.sum_cells(
            decompose(filters.start, filters.end),
            dimension=dimension,
            group_by=(column,),
            filters=filters,
        )
        return {key[0]: measures for key, measures in sums.items()}

    async def breakdown(self, by: str, filters: Filters, labels: dict[str, str]) -> Breakdown:
        return breakdown(by, filters, await self.groups(by, filters), labels)

    async def pareto(self, by: str, filters: Filters, labels: dict[str, str]) -> Pareto:
        return pareto(by, filters, await self.groups(by, filters), labels)

    async def series(self, by: str, grain: str, filters: Filters) -> Series:
        dimension, column = _cells_for(by)
        ranges = [
            PeriodRange(grain, period_start(filters.start, grain), period_start(filters.end, grain))
        ]
        sums = await self._store.sum_cells(
            ranges, dimension=dimension, group_by=("period", column), filters=filters
        )
        points = [
            SeriesPoint(period=period, key=key, complaints=m.n)
            for (period, key), m in sorted(sums.items())
            if m.n
        ]
        return Series(by=by, grain=grain, start=filters.start, end=filters.end, points=points)

    async def heatmap(self, rows: str, columns: str, filters: Filters) -> dict[str, dict[str, int]]:
        if {rows, columns} - set(COLUMN_DIMENSIONS):
            raise ValueError(f"a heat map crosses two of {', '.join(COLUMN_DIMENSIONS)}")
        sums = await self._store.sum_cells(
            decompose(filters.start, filters.end),
            dimension="all",
            group_by=(rows, columns),
            filters=filters,
        )
        grid: dict[str, dict[str, int]] = {}
        for (row, column), m in sorted(sums.items()):
            if m.n:
                grid.setdefault(row, {})[column] = m.n
        return grid

    def today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    # -- trends ---------------------------------------------------------------------

    async def weekly(self, dimension: str, *, first: date, last: date) -> dict[str, dict[str, int]]:
        """value → week start → complaints, for a cause / touchpoint / department bucket."""
        cube_dimension, column = _cells_for(dimension)
        sums = await self._store.sum_cells(
            [PeriodRange("week", first.isoformat(), last.isoformat())],
            dimension=cube_dimension,
            group_by=("period", column),
            filters=Filters(start=first, end=last),
            measures=COUNT,
        )
        weekly: dict[str, dict[str, int]] = {}
        for (week, value), m in sums.items():
            weekly.setdefault(value, {})[week] = m.n
        return weekly

    async def check_trends(self) -> list[Spike]:
        """Raise (once per bucket and week) every significant rise of this week."""
        week = monday(self.today())
        first = date.fromisoformat(baseline_weeks(week, self._trend_weeks)[0])
        counts: dict[tuple[str, str], dict[str, int]] = {}
        for dimension in TREND_DIMENSIONS:
            for value, by_week in (await self.weekly(dimension, first=first, last=week)).items():
                counts[(dimension, value)] = by_week
        spikes = detect_spikes(
            counts,
            week=week,
            weeks=self._trend_weeks,
            alpha=self._trend_alpha,
            min_cases=self._trend_min_cases,
        )
        raised = []
        now = self._clock.now()
        for spike in spikes:
            async with self._store.unit_of_work() as uow:
                if await uow.add_alert(spike, now):
                    await uow.add_events([_alert_event(spike, now)])
                    raised.append(spike)
        if raised:
            self._on_commit()
            log.info("trend alerts raised", n=len(raised))
        return raised

    async def alerts(self, bucket: tuple[str, str] | None = None) -> list[StoredAlert]:
        return await self._store.list_alerts(bucket=bucket)

    # -- prevention -----------------------------------------------------------------

    async def open_action(
        self,
        *,
        title: str,
        type: PreventionType,
        dimension: str,
        value: str,
        owner: str,
        due_date: date,
        effective_from: date | None,
        by: str,
    ) -> PreventionAction:
        now = self._clock.now()
        action = PreventionAction.model_validate(
            {
                "id": str(uuid4()),
                "title": title,
                "type": type,
                "dimension": dimension,
                "value": value,
                "owner": owner,
                "due_date": due_date,
                "effective_from": effective_from or self.today(),
                "created_by": by,
                "created_at": now,
                "history": [{"stage": PdcaStage.PLAN, "at": now, "by": by, "note": "opened"}],
            }
        )
        async with self._store.unit_of_work() as uow:
            await uow.save_action(action)
        return action

    async def advance_action(
        self, action_id: str, to: PdcaStage, *, by: str, note: str = ""
    ) -> PreventionAction:
        action = await self.get_action(action_id)
        moved = advance(action, to, by=by, at=self._clock.now(), note=note)
        async with self._store.unit_of_work() as uow:
            await uow.save_action(moved)
        return moved

    async def get_action(self, action_id: str) -> PreventionAction:
        action = await self._store.get_action(action_id)
        if action is None:
            raise NotFoundError(f"no prevention action {action_id}")
        return action

    async def actions(self) -> list[PreventionAction]:
        return await self._store.list_actions()

    async def action_effect(self, action_id: str, weeks: int = 8) -> Effect:
        action = await self.get_action(action_id)
        start = monday(action.effective_from)
        weekly = await self.weekly(
            action.dimension,
            first=start - timedelta(weeks=weeks),
            last=start + timedelta(weeks=weeks),
        )
        observed = [week for counts in weekly.values() for week in counts]  # any bucket
        return effect(
            weekly.get(action.value, {}),
            effective_from=action.effective_from,
            today=self.today(),
            weeks=weeks,
            data_from=date.fromisoformat(min(observed)) if observed else None,
        )


def _cv_metrics(cv_f1: dict[str, float]) -> dict[str, float]:
    """Cross-validated F1 per label and their mean, kept with the model version."""
    metrics = {f"cv_f1.{label}": f1 for label, f1 in cv_f1.items()}
    if cv_f1:
        metrics["cv_macro_f1"] = round(sum(cv_f1.values()) / len(cv_f1), 4)
    return metrics


def _predicted(prediction: Prediction) -> PredictedCause:
    return PredictedCause(
        causes=prediction.causes,
        primary_cause=prediction.primary_cause,
        confidence=prediction.confidence,
        touchpoint=prediction.touchpoint,
        vehicle_system=prediction.vehicle_system,
        model_version=prediction.model_version,
        explanation=prediction.explanation,
        evidence=prediction.evidence,
    )


def _prediction_event(fact: ComplaintFact, *, cause: EventEnvelope) -> EventEnvelope:
    prediction = fact.prediction
    assert prediction is not None
    return new_event(
        payload=CausePredicted(
            complaint_id=fact.complaint_id,
            causes=prediction.causes,
            primary_cause=prediction.primary_cause,
            confidence=prediction.confidence,
            model_version=prediction.model_version,
            explanation=prediction.explanation,
            touchpoint=prediction.touchpoint,
            vehicle_system=prediction.vehicle_system,
            evidence=prediction.evidence,
        ),
        event_type=CAUSE_PREDICTED,
        complaint_id=fact.complaint_id,
        actor=Actor.service(SERVICE),
        producer=SERVICE,
        cause=cause,
    )


def _alert_event(spike: Spike, now: datetime) -> EventEnvelope:
    return new_event(
        payload=TrendAlertRaised(**spike.model_dump()),
        event_type=TREND_ALERT_RAISED,
        complaint_id=f"trend:{spike.dimension}:{spike.value}",
        actor=Actor.service(SERVICE),
        producer=SERVICE,
        occurred_at=now,
    )


def _next_ordinal(models: Sequence[StoredModel]) -> int:
    """One past the highest ``mNNN`` yet: deleted versions leave gaps, not a count that
    would name the next like a kept one."""
    numbers = (m.version.removeprefix("m").split("-", 1)[0] for m in models)
    ordinals = [int(n) for n in numbers if n.isdigit()]
    return max(ordinals, default=0) + 1
