"""The cause model: character and word n-grams plus rule cues, one logistic model per label.

Rules carry the domain's vocabulary and understand negation; the model learns how much
to trust each cue and everything the cues miss, from the project's own examples and
from every cause an investigator confirms. Predictions explain themselves with the
terms that pushed each label up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from services.analytics.domain.classifier.lexicon import CAUSE_CUES, SYSTEM_CUES, TOUCHPOINT_CUES
from services.analytics.domain.classifier.text import CueHit, CueMatcher, normalize
from shared.contracts.analytics import CauseEvidence
from shared.vocab import Cause

CAUSES: tuple[str, ...] = tuple(c.value for c in Cause)
FEATURES_SCHEMA = 5
"""Bumped whenever features change shape or meaning (2: demanded cues, per-label matching;
3: a cue's own negator negates nothing after it; 4: nor does a 不 that ends inside a word
like 不足, and a space between Chinese phrases ends a clause; 5: nor one inside an
adjective like 不合理 or 不及时): a stored model of another schema cannot read today's
features and must be retrained."""
THRESHOLD = 0.5
_RULE_SCALE = 1.5
_EXPLAIN_TERMS = 4
_EVIDENCE_PHRASES = 5
_RULE_KINDS = ("cue", "negated", "demanded")


@dataclass(frozen=True, slots=True)
class Example:
    """A labelled complaint; confirmed causes from investigators weigh more."""

    text: str
    causes: tuple[str, ...]
    primary: str | None = None
    touchpoint: str | None = None
    vehicle_system: str | None = None
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Prediction:
    causes: list[str]
    primary_cause: str
    confidence: float
    probabilities: dict[str, float]
    touchpoint: str | None
    vehicle_system: str | None
    explanation: list[str]
    model_version: str
    evidence: list[CauseEvidence] = field(default_factory=list)


class _Features:
    """Text → sparse features: char n-grams, word n-grams, and cue counts per label."""

    def __init__(self, cues: Mapping[str, tuple[str, ...]]) -> None:
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1
        )
        self.words = TfidfVectorizer(
            analyzer="word", token_pattern=r"[a-z][a-z'/-]+", ngram_range=(1, 2), sublinear_tf=True
        )
        self.labels = tuple(cues)
        self.matcher = CueMatcher(cues)

    def fit(self, texts: Sequence[str]) -> _Features:
        self.chars.fit(texts)
        try:
            self.words.fit(texts)
        except ValueError:  # no English words at all
            self.words.fit(["none"])
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        rules = np.array([self._rule_row(self.matcher.hits(t)) for t in texts], dtype=float)
        return sparse.hstack(
            [self.chars.transform(texts), self.words.transform(texts), sparse.csr_matrix(rules)]
        ).tocsr()

    def _rule_row(self, hits: list[CueHit]) -> list[float]:
        row = []
        for label in self.labels:
            kinds = [_kind(h) for h in hits if h.label == label]
            row += [_RULE_SCALE * math.log1p(kinds.count(kind)) for kind in _RULE_KINDS]
        return row

    def names(self) -> list[str]:
        cached: list[str] | None = getattr(self, "_names", None)
        if cached is None:
            rules = [f"{kind}:{label}" for label in self.labels for kind in _RULE_KINDS]
            cached = [
                *self.chars.get_feature_names_out(),
                *self.words.get_feature_names_out(),
                *rules,
            ]
            self._names = cached
        return cached


def _logistic() -> LogisticRegression:
    return LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000)


def _binary_logistic() -> LogisticRegression:
    """liblinear: the same model, fitted several times faster for one yes/no label."""
    return LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000, solver="liblinear")


@dataclass
class _Head:
    """One single-label classifier (touchpoint, vehicle system) over its own features."""

    features: _Features
    model: LogisticRegression | None = None
    constant: str | None = None

    def fit(self, texts: list[str], labels: list[str], weights: list[float]) -> _Head:
        if len(set(labels)) < 2:
            self.constant = labels[0] if labels else None
            return self
        self.features.fit(texts)
        self.model = _logistic().fit(
            self.features.transform(texts), labels, sample_weight=np.array(weights)
        )
        return self

    def predict(self, text: str) -> str | None:
        if self.model is None:
            return self.constant
        return str(self.model.predict(self.features.transform([text]))[0])


@dataclass
class CauseClassifier:
    """A trained, versioned classifier; picklable so the store can keep every version."""

    version: str
    features: _Features
    models: dict[str, LogisticRegression | float]
    touchpoints: _Head
    systems: _Head
    thresholds: dict[str, float] = field(default_factory=dict)
    trained_on: dict[str, int] = field(default_factory=dict)
    cv_f1: dict[str, float] = field(default_factory=dict)
    """Per label, F1 of out-of-fold predictions at the chosen threshold (5-fold CV)."""
    schema: int = FEATURES_SCHEMA

    @property
    def is_current(self) -> bool:
        """False for a model pickled by code with other features (before ``schema`` existed,
        the instance has none of its own: the class default must not stand in for it)."""
        return vars(self).get("schema") == FEATURES_SCHEMA

    def predict(self, text: str) -> Prediction:
        clean = normalize(text)
        row = self.features.transform([clean])
        probabilities = {label: self._probability(label, row) for label in CAUSES}
        ranked = sorted(probabilities, key=lambda label: probabilities[label], reverse=True)
        causes = [
            label
            for label in ranked
            if probabilities[label] >= self.thresholds.get(label, THRESHOLD)
        ] or ranked[:1]
        primary = causes[0]
        system = self.systems.predict(clean) if "product_quality" in causes else None
        explanation, evidence = self._explain(clean, row, causes)
        return Prediction(
            causes=causes,
            primary_cause=primary,
            confidence=round(probabilities[primary], 4),
            probabilities={k: round(v, 4) for k, v in probabilities.items()},
            touchpoint=self.touchpoints.predict(clean),
            vehicle_system=system,
            explanation=explanation,
            model_version=self.version,
            evidence=evidence,
        )

    def _probability(self, label: str, row: sparse.csr_matrix) -> float:
        model = self.models[label]
        if isinstance(model, float):
            return model
        return float(model.predict_proba(row)[0, 1])

    def _explain(
        self, clean: str, row: sparse.csr_matrix, causes: list[str]
    ) -> tuple[list[str], list[CauseEvidence]]:
        """Per predicted label, the terms and cues that pushed it up the most: as weighted
        feature lines (for analysts) and as the complaint's own phrases (for people)."""
        names = self.features.names()
        hits = self.features.matcher.hits(clean)
        negations = sorted({h.cue for h in hits if h.negated})
        lines: list[str] = []
        evidence: list[CauseEvidence] = []
        for label in causes:
            model = self.models[label]
            if isinstance(model, float):
                continue
            coefficients = model.coef_[0]
            contributions = {
                int(i): float(v * coefficients[i])
                for i, v in zip(row.indices, row.data, strict=True)
            }
            terms: list[str] = []
            phrases: list[str] = []
            for index in sorted(contributions, key=lambda i: contributions[i], reverse=True):
                if contributions[index] <= 0 or len(terms) >= _EXPLAIN_TERMS:
                    break
                name = names[index]
                if name.startswith(("cue:", "negated:", "demanded:")):
                    kind, cue_label = name.split(":", 1)
                    shown = _cues_of_kind(hits, cue_label, kind)
                    phrases += shown[:3]
                    name = f"{kind} {'/'.join(shown[:3])}" if shown else name
                elif not name.strip():
                    continue
                elif _readable(name.strip()):
                    phrases.append(name.strip())
                terms.append(f"{name.strip()} (+{contributions[index]:.2f})")
            extra = f"; negated: {', '.join(negations)}" if negations else ""
            lines.append(f"{label}: {', '.join(terms) or 'prior'}{extra}")
            evidence.append(
                CauseEvidence(
                    cause=label,
                    terms=list(dict.fromkeys(phrases))[:_EVIDENCE_PHRASES],
                    negated=negations,
                )
            )
        return lines, evidence


_PARTICLES = frozenset("了的着过得地吗呢吧啊呀我你他她它们这那就都也还又")
"""Characters a two- or three-character n-gram cut out of a phrase starts or ends with when
it means nothing to a reader ("了两", "的车")."""


def _readable(term: str) -> bool:
    """Whether a model feature reads as a phrase of the complaint: not one character, not
    an English function word ("me", "and"), not a fragment cut at a particle."""
    if len(term) < 2:
        return False
    if term.isascii():
        return not all(word in ENGLISH_STOP_WORDS for word in term.split())
    return term[0] not in _PARTICLES and term[-1] not in _PARTICLES


def _kind(hit: CueHit) -> str:
    """Which rule feature a cue counts in (one of ``_RULE_KINDS``); negation wins."""
    return "negated" if hit.negated else "demanded" if hit.demanded else "cue"


def _cues_of_kind(hits: list[CueHit], label: str, kind: str) -> list[str]:
    """The cues behind one rule feature, as the explanation names them."""
    return sorted({h.cue for h in hits if h.label == label and _kind(h) == kind})


def train(examples: Sequence[Example], *, version: str) -> CauseClassifier:
    """Fit every head on the examples (texts are normalised here, not by the caller)."""
    if not examples:
        raise ValueError("no training examples")
    texts = [normalize(e.text) for e in examples]
    weights = np.array([e.weight for e in examples])
    features = _Features(CAUSE_CUES).fit(texts)
    matrix = features.transform(texts)
    models: dict[str, LogisticRegression | float] = {}
    thresholds: dict[str, float] = {}
    cv_f1: dict[str, float] = {}
    for label in CAUSES:
        target = np.array([label in e.causes for e in examples], dtype=int)
        if target.min() == target.max():
            models[label] = float(target[0])
            continue
        models[label] = _binary_logistic().fit(matrix, target, sample_weight=weights)
        thresholds[label], cv_f1[label] = _best_threshold(matrix, target, weights)
    with_touchpoint = [(t, e) for t, e in zip(texts, examples, strict=True) if e.touchpoint]
    with_system = [(t, e) for t, e in zip(texts, examples, strict=True) if e.vehicle_system]
    touchpoints = _Head(_Features(TOUCHPOINT_CUES)).fit(
        [t for t, _ in with_touchpoint],
        [str(e.touchpoint) for _, e in with_touchpoint],
        [e.weight for _, e in with_touchpoint],
    )
    systems = _Head(_Features(SYSTEM_CUES)).fit(
        [t for t, _ in with_system],
        [str(e.vehicle_system) for _, e in with_system],
        [e.weight for _, e in with_system],
    )
    counts = {label: sum(1 for e in examples if label in e.causes) for label in CAUSES}
    return CauseClassifier(
        version=version,
        features=features,
        models=models,
        touchpoints=touchpoints,
        systems=systems,
        thresholds=thresholds,
        trained_on={"examples": len(examples), **counts},
        cv_f1={label: round(float(f1), 4) for label, f1 in cv_f1.items() if f1 >= 0},
    )


_THRESHOLDS = np.round(np.arange(0.2, 0.81, 0.05), 2)
_FOLDS = 5


def _best_threshold(
    matrix: sparse.csr_matrix, target: np.ndarray, weights: np.ndarray
) -> tuple[float, float]:
    """The decision threshold with the best F1 on out-of-fold predictions (cross-validation).

    Balanced class weights shift probabilities; the threshold is chosen on examples each
    fold did not see, so it is not fitted to the training data itself.
    """
    positives = int(target.sum())
    if positives < _FOLDS or len(target) - positives < _FOLDS:
        return THRESHOLD, -1.0
    scores = np.zeros(len(target))
    for train_rows, test_rows in StratifiedKFold(_FOLDS, shuffle=True, random_state=7).split(
        matrix, target
    ):
        model = _binary_logistic().fit(
            matrix[train_rows], target[train_rows], sample_weight=weights[train_rows]
        )
        scores[test_rows] = model.predict_proba(matrix[test_rows])[:, 1]
    best, best_f1 = THRESHOLD, -1.0
    for threshold in _THRESHOLDS:
        predicted = scores >= threshold
        tp = int((predicted & (target == 1)).sum())
        f1 = 2 * tp / (predicted.sum() + positives) if predicted.sum() + positives else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(threshold), f1
    return best, best_f1
