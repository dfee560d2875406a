"""A statistical backstop for sentences no rule covers.

The rules carry the structure of a signal (who acts on whom, negation, status),
but each new writer brings phrasings no rule was written for. The backstop is
a logistic regression over the words of a sentence, trained on labelled
passages (the ``wallwatch eval`` schema). When a sentence names two companies'
platforms, matches no rule, and the backstop is confident it states an
interoperability event, the sentence becomes a candidate like a rule match
(rule id ``model.backstop``) and goes through the same role, status and veto
steps (see :func:`wallwatch.nlp.analyse.analyse_backstop`).

Platform names are replaced by their kind before training and scoring, so the
model learns how events are told, not which companies are in the news. The
model is a JSON file of per-feature weights: ``wallwatch rules train-backstop``
rebuilds it from labelled files.

The same file carries a second model, :class:`EventTypes`: which event type a
signal's sentence tells, with the kinds of the platforms it names as extra
features. It decides the event type of every candidate whose rule does not
fix one; on blind sets it was right more often than the keyword cues.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import EVENT_TYPES as ALL_EVENT_TYPES
from ..errors import RulesError
from .platforms import Mention, PlatformList

FORMAT = 1
#: One model per label: whether a passage is a signal, then one-vs-rest polarity (trained on signals only).
LABELS = ("interop", "opening", "closing", "mandate")
POLARITIES = LABELS[1:]
#: What the event-type model chooses among (a mandate's type is always ``regulatory_order``).
EVENT_TYPES = tuple(t for t in ALL_EVENT_TYPES if t != "regulatory_order")
RULE_ID = "model.backstop"
_TOKEN = re.compile(r"[a-z][a-z'’\-]*|\d+")
_AUTHORITY_KINDS = frozenset({"regulator", "law", "court"})
# Function words alone say how a writer writes, not what happened: features made only of them are left out
# (held-out precision rose with no loss of recall when they were).
FUNCTION_WORDS = frozenset(
    "a an the to from of in on at for with by and or but as is are was were be been being it its their his her "
    "they them this that these those which who whom whose than then so such into onto over under about after "
    "before since until while also only just not no can could will would may might must should has have had "
    "do does did".split())


def builtin_backstop_path() -> Path:
    """The model shipped with wallwatch (trained on the project's labelled sets)."""
    return Path(__file__).parent / "data" / "backstop.json"


def features(text: str, platforms: PlatformList | None, unlisted: Sequence[tuple[int, int]] = (),
             found: Sequence[Mention] | None = None) -> set[str]:
    """Lower-cased words and word pairs, each platform name replaced by ``pplatform`` or ``pauthority``;
    ``unlisted`` spans (names the list does not know) count as platforms too. ``found``: the text's
    platform mentions when the caller has them already (then ``platforms`` may be None)."""
    if found is None and platforms is None:
        raise ValueError("features() needs the platform list or the mentions")
    mentions = found if found is not None else platforms.find(text)  # type: ignore[union-attr]
    spans = [(m.start, m.end, m.platform.kind if m.platform else "") for m in mentions]
    spans += [(a, b, "") for a, b in unlisted if not any(a < e and s < b for s, e, _ in spans)]
    parts, pos = [], 0
    for start, end, kind in sorted(spans):
        if start < pos:
            continue
        parts += [text[pos:start], " pauthority " if kind in _AUTHORITY_KINDS else " pplatform "]
        pos = end
    parts.append(text[pos:])
    tokens = _TOKEN.findall("".join(parts).lower())
    pairs = {f"{a} {b}" for a, b in zip(tokens, tokens[1:]) if not (a in FUNCTION_WORDS and b in FUNCTION_WORDS)}
    return {t for t in tokens if t not in FUNCTION_WORDS} | pairs


def type_features(text: str, mentions: Sequence[Mention]) -> set[str]:
    """The event-type model's features: :func:`features` plus the kind of each platform named
    ("kind:wallet" speaks for payment, "kind:app_store" for the app store)."""
    return features(text, None, found=mentions) | {f"kind:{m.platform.kind}" for m in mentions if m.platform}


@dataclass(frozen=True)
class EventTypes:
    """A softmax over :data:`EVENT_TYPES`, trained on the labelled signals."""

    vocab: dict[str, int]
    weights: np.ndarray  # (len(vocab), len(EVENT_TYPES))
    bias: np.ndarray  # (len(EVENT_TYPES),)

    def probabilities(self, feats: Iterable[str]) -> dict[str, float]:
        rows = [self.vocab[f] for f in feats if f in self.vocab]
        z = self.bias + (self.weights[rows].sum(axis=0) if rows else 0.0)
        p = np.exp(z - z.max())
        return dict(zip(EVENT_TYPES, (p / p.sum()).tolist()))


@dataclass(frozen=True)
class Backstop:
    """Weights of the four models over one shared feature vocabulary."""

    vocab: dict[str, int]
    weights: np.ndarray  # (len(vocab), len(LABELS))
    bias: np.ndarray  # (len(LABELS),)
    source: str = ""  # the file it was loaded from
    fingerprint: str = ""  # a hash of that file's bytes: part of the tagger's ruleset version
    types: EventTypes | None = None  # None: a model file without event types (the cues decide)

    def scores(self, feats: Iterable[str]) -> dict[str, float]:
        """Probability per label: ``interop`` for the passage, the polarities given it is a signal."""
        rows = [self.vocab[f] for f in feats if f in self.vocab]
        z = self.bias + (self.weights[rows].sum(axis=0) if rows else 0.0)
        return dict(zip(LABELS, (1.0 / (1.0 + np.exp(-z))).tolist()))

    def strongest(self, feats: Iterable[str], n: int = 3) -> list[str]:
        """The features that speak most for a signal, strongest first (what ``explain`` shows)."""
        found = [(float(self.weights[self.vocab[f], 0]), f) for f in feats if f in self.vocab]
        return [f for w, f in sorted(found, reverse=True)[:n] if w > 0]


def train_backstop(passages: Sequence[dict[str, Any]], platforms: PlatformList, *, min_count: int = 2,
                   l2: float = 1e-3, iterations: int = 400, learning_rate: float = 0.1) -> Backstop:
    """Fit the four models and the event-type model on labelled passages (full-batch Adam from zero:
    the same data gives the same model)."""
    if not passages:
        raise RulesError("no labelled passages to train on")
    fit = {"l2": l2, "iterations": iterations, "learning_rate": learning_rate}
    found = [platforms.find(p["text"]) for p in passages]  # once: both models read the mentions
    vocab, x = _one_hot([features(p["text"], None, found=ms) for p, ms in zip(passages, found)], min_count)
    y = np.zeros((len(passages), len(LABELS)), dtype=np.float32)
    mask = np.zeros_like(y)
    for r, p in enumerate(passages):
        positive = bool(p.get("interop"))
        y[r, 0], mask[r, 0] = float(positive), 1.0
        if positive and p.get("polarity") in POLARITIES:
            mask[r, 1:] = 1.0
            y[r, 1 + POLARITIES.index(p["polarity"])] = 1.0
    w, b = _fit(x, y, mask, softmax=False, **fit)
    typed = [(p, ms) for p, ms in zip(passages, found) if p.get("interop") and p.get("event_type") in EVENT_TYPES]
    types = None
    if typed:
        type_vocab, tx = _one_hot([type_features(p["text"], ms) for p, ms in typed], min_count)
        ty = np.zeros((len(typed), len(EVENT_TYPES)), dtype=np.float32)
        ty[np.arange(len(typed)), [EVENT_TYPES.index(p["event_type"]) for p, _ in typed]] = 1.0
        tw, tb = _fit(tx, ty, np.ones_like(ty), softmax=True, **fit)
        types = EventTypes(type_vocab, tw, tb)
    return Backstop(vocab, w, b, types=types)


def _one_hot(feats: Sequence[set[str]], min_count: int) -> tuple[dict[str, int], np.ndarray]:
    """The vocabulary of features seen at least ``min_count`` times, and each row's features as 0/1."""
    counts = Counter(f for fs in feats for f in fs)
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= min_count))}
    x = np.zeros((len(feats), len(vocab)), dtype=np.float32)
    for r, fs in enumerate(feats):
        x[r, [vocab[f] for f in fs if f in vocab]] = 1.0
    return vocab, x


def _fit(x: np.ndarray, y: np.ndarray, mask: np.ndarray, *, softmax: bool, l2: float, iterations: int,
         learning_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """A linear model by full-batch Adam: a sigmoid per column (``mask`` says which rows train which
    column) or one softmax across the columns."""
    per_label = np.maximum(mask.sum(axis=0), 1.0)
    w = np.zeros((x.shape[1], y.shape[1]), dtype=np.float32)
    b = np.zeros(y.shape[1], dtype=np.float32)
    mw, vw, mb, vb = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    for step in range(1, iterations + 1):
        z = x @ w + b
        if softmax:
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
        else:
            p = 1.0 / (1.0 + np.exp(-z))
        err = (p - y) * mask / per_label
        gw, gb = x.T @ err + l2 * w, err.sum(axis=0)
        mw, vw = 0.9 * mw + 0.1 * gw, 0.999 * vw + 0.001 * gw * gw
        mb, vb = 0.9 * mb + 0.1 * gb, 0.999 * vb + 0.001 * gb * gb
        scale = learning_rate * np.sqrt(1 - 0.999 ** step) / (1 - 0.9 ** step)
        w -= scale * mw / (np.sqrt(vw) + 1e-8)
        b -= scale * mb / (np.sqrt(vb) + 1e-8)
    return w, b


def save_backstop(model: Backstop, path: Path, trained_on: Sequence[dict[str, Any]] = ()) -> None:
    """Write the model as JSON (weights rounded; features whose weights are all ~0 are left out)."""
    doc = {"format": FORMAT, "labels": list(LABELS), "trained_on": list(trained_on),
           **_head_doc(model.vocab, model.weights, model.bias)}
    if model.types is not None:
        doc["event_types"] = {"labels": list(EVENT_TYPES),
                              **_head_doc(model.types.vocab, model.types.weights, model.types.bias)}
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def _head_doc(vocab: dict[str, int], weights: np.ndarray, bias: np.ndarray) -> dict[str, Any]:
    kept = {f: [round(float(v), 4) for v in weights[i]] for f, i in sorted(vocab.items())
            if np.abs(weights[i]).max() >= 5e-4}
    return {"bias": [round(float(v), 4) for v in bias], "features": kept}


def load_backstop(path: Path) -> Backstop:
    """Read a model file; a missing, unreadable or malformed one raises :class:`RulesError` naming it."""
    try:
        data = path.read_bytes()
        doc = json.loads(data.decode("utf-8"))
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the backstop model: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RulesError(f"{path}: the backstop model is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("labels") != list(LABELS):
        raise RulesError(f"{path}: not a backstop model of format {FORMAT} with labels {', '.join(LABELS)}")
    vocab, weights, bias = _read_head(doc, LABELS, path, "")
    types = None
    if "event_types" in doc:  # files trained before event types have none: the cues decide
        part = doc["event_types"]
        if not isinstance(part, dict) or part.get("labels") != list(EVENT_TYPES):
            raise RulesError(f"{path}: 'event_types' must list the labels {', '.join(EVENT_TYPES)}")
        types = EventTypes(*_read_head(part, EVENT_TYPES, path, "event_types: "))
    return Backstop(vocab, weights, bias, source=str(path), fingerprint=_digest(data), types=types)


def _read_head(doc: dict[str, Any], labels: Sequence[str], path: Path,
               where: str) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    feats, bias = doc.get("features"), doc.get("bias")
    if (not isinstance(feats, dict) or not isinstance(bias, list) or len(bias) != len(labels)
            or any(not isinstance(v, list) or len(v) != len(labels) for v in feats.values())):
        raise RulesError(f"{path}: {where}'features' must map each feature to {len(labels)} weights, "
                         f"and 'bias' must hold {len(labels)}")
    try:
        weights = np.array(list(feats.values()), dtype=np.float32).reshape(len(feats), len(labels))
        bias_arr = np.array(bias, dtype=np.float32)
    except (TypeError, ValueError):
        raise RulesError(f"{path}: {where}the backstop model's weights must be numbers") from None
    return {f: i for i, f in enumerate(feats)}, weights, bias_arr


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:12]


def train_from_files(paths: Sequence[Path], platforms: PlatformList
                     ) -> tuple[Backstop, list[dict[str, Any]], list[dict[str, Any]]]:
    """Train on labelled JSONL files. Also returns what each file gave (recorded in the model file) and
    the passages themselves (for :func:`training_fit`)."""
    from .evaluate import read_passages  # evaluate imports the tagger, which imports this module

    passages, trained_on = [], []
    for path in paths:
        rows = [p for _, p in read_passages(path)]
        passages += rows
        trained_on.append({"file": path.name, "sha1": _digest(path.read_bytes()), "passages": len(rows),
                           "signals": sum(bool(p.get("interop")) for p in rows)})
    return train_backstop(passages, platforms), trained_on, passages


def training_fit(model: Backstop, passages: Sequence[dict[str, Any]], platforms: PlatformList,
                 threshold: float) -> dict[str, float]:
    """How the model separates the passages it was trained on at ``threshold`` (a fit, not a held-out score)."""
    tp = fp = fn = 0
    for p in passages:
        said = model.scores(features(p["text"], platforms))["interop"] >= threshold
        gold = bool(p.get("interop"))
        tp, fp, fn = tp + (said and gold), fp + (said and not gold), fn + (gold and not said)
    return {"tp": tp, "fp": fp, "fn": fn,
            "precision": round(tp / max(tp + fp, 1), 4), "recall": round(tp / max(tp + fn, 1), 4)}
