"""A disk cache of the baseline classifier (packaged examples only, no confirmations).

Training it takes seconds of CPU and gives the same model every time for the same
examples and code, so each fresh data dir (every `complaints up` of a new install, every
test) reuses it. The key covers the examples, the classifier's source and scikit-learn's
version; anything else trains anew. Set COMPLAINTS_MODEL_CACHE to move it, or to ``off``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Sequence
from pathlib import Path

import sklearn

from services.analytics.domain import classifier
from services.analytics.domain.classifier.model import CauseClassifier, Example, train


def _directory() -> Path | None:
    configured = os.environ.get("COMPLAINTS_MODEL_CACHE", "")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "complaints"


def examples_key(examples: Sequence[Example]) -> str:
    """What a model is made of: the examples, the classifier's code, scikit-learn's version."""
    digest = hashlib.sha256(sklearn.__version__.encode())
    for source in sorted(Path(classifier.__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    digest.update(json.dumps([dataclasses.astuple(e) for e in examples]).encode())
    return digest.hexdigest()[:32]


def baseline(examples: Sequence[Example], *, version: str) -> CauseClassifier:
    """The model of ``examples``, from the cache when it holds it; trained and kept if not."""
    directory = _directory()
    path = directory / f"baseline-{examples_key(examples)}.pkl" if directory else None
    if path is not None and path.is_file():
        try:
            cached: CauseClassifier = pickle.loads(path.read_bytes())
            return dataclasses.replace(cached, version=version)
        except (OSError, pickle.UnpicklingError, AttributeError, EOFError):
            pass  # a broken or outdated entry: train again below
    model = train(examples, version=version)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
                handle.write(pickle.dumps(model))
            os.replace(handle.name, path)  # atomic: a concurrent reader never sees half
        except OSError:
            pass  # a read-only home only costs the next start a training
    return model
