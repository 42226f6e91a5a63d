"""Score predictions against a gold file in ANNOTATION.md's format.

Commitments: a gold row and a predicted row match when they are in the same
document, have the same ``value``, ``value_max`` and ``unit``, and their quotes
are near each other (one contains the other, or they share a run of at least
four characters that holds the number).  Matching is one-to-one, best quote
overlap first.  Precision, recall and F1 are over records; the accuracy of
``kind``, ``qualifier``, ``year``, ``locality`` and ``category`` is over the
matched pairs.  Gold rows whose note says ``unsure`` are optional: missing
them costs nothing, finding them counts as a match.

Slogans: matched on ``doc_id`` and canonical ``slogan``; ``count`` and
``form`` accuracy over matched rows; ``unsure`` rows optional likewise.

``scope="para"`` restricts precision to predictions that fall in a paragraph
holding a gold quote, for gold that covers only part of a document (the
national-report gold annotates the target and review paragraphs).
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import regex

_WS = regex.compile(r"\s+|\\n|\u200b")
COMPARED_FIELDS = ("kind", "qualifier", "year", "locality", "category")


@dataclass
class Score:
    """Result of an evaluation.

    ``matched``/``gold``/``predicted`` counts (optional gold rows excluded from
    ``gold`` unless matched), ``accuracy`` per compared field over matched
    pairs, and the rows missed (gold) and extra (predicted), for printing.
    """

    kind: str
    gold: int
    predicted: int
    matched: int
    accuracy: dict[str, float] = field(default_factory=dict)
    misses: list[dict] = field(default_factory=list)
    extras: list[dict] = field(default_factory=list)
    mismatches: list[tuple[str, dict, dict]] = field(default_factory=list)
    optional: int = 0
    shared_docs: int = 0
    gold_docs: int = 0

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def summary(self) -> str:
        """A few lines: P/R/F1 and the field accuracies."""
        opt = f", {self.optional} optional 'unsure' gold rows" if self.optional else ""
        lines = [f"{self.kind}: precision {self.precision:.3f}  recall {self.recall:.3f}  "
                 f"F1 {self.f1:.3f}  (matched {self.matched}, gold {self.gold}, "
                 f"predicted {self.predicted}{opt})"]
        if self.accuracy:
            lines.append("  accuracy on matched: " + "  ".join(
                f"{k} {v:.3f}" for k, v in self.accuracy.items()))
        return "\n".join(lines)


def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _num(s: str | None) -> float | None:
    if s is None or s == "" or s == "None":
        return None
    try:
        v = float(s)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _clean(q: str) -> str:
    return _WS.sub("", q or "")


def _overlap(a: str, b: str) -> int:
    """Length of the longest common substring of two short quotes."""
    if not a or not b:
        return 0
    if a in b:
        return len(a)
    if b in a:
        return len(b)
    best = 0
    prev = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        cur = [0] * (len(b) + 1)
        ai = a[i - 1]
        for j in range(1, len(b) + 1):
            if ai == b[j - 1]:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best = cur[j]
        prev = cur
    return best


def _optional(row: dict) -> bool:
    return "unsure" in (row.get("note") or "")


def _norm_field(name: str, v: str | None) -> str:
    v = (v or "").strip()
    if name == "year" and v.endswith(".0"):
        v = v[:-2]
    return v


def score_commitments(gold: Sequence[dict], pred: Sequence[dict],
                      in_scope: Iterable[int] | None = None) -> Score:
    """Match commitment rows; see the module docstring.

    ``gold`` and ``pred`` are rows as read from CSV (string values).  When
    ``in_scope`` is given it lists the indexes of ``pred`` rows that count
    for precision (``scope="para"``); other unmatched predictions are ignored.
    """
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pred):
        by_doc[p["doc_id"]].append(i)
    candidates = []
    for gi, g in enumerate(gold):
        gv, gm, gq = _num(g["value"]), _num(g.get("value_max")), _clean(g["quote"])
        for pi in by_doc.get(g["doc_id"], []):
            p = pred[pi]
            if (p.get("unit") or "") != (g.get("unit") or ""):
                continue
            if not (_same(_num(p["value"]), gv) and _same(_num(p.get("value_max")), gm)):
                continue
            ov = _overlap(gq, _clean(p.get("quote", "")))
            if ov >= min(4, len(gq)):
                candidates.append((-ov, gi, pi))
    candidates.sort()
    gold_used: dict[int, int] = {}
    pred_used: set[int] = set()
    for _, gi, pi in candidates:
        if gi in gold_used or pi in pred_used:
            continue
        gold_used[gi] = pi
        pred_used.add(pi)
    scope = set(range(len(pred))) if in_scope is None else set(in_scope) | pred_used
    n_gold = sum(1 for gi, g in enumerate(gold) if not _optional(g) or gi in gold_used)
    score = Score("commitments", n_gold, len(scope), len(gold_used))
    for f in COMPARED_FIELDS:
        pairs = [(gold[gi], pred[pi]) for gi, pi in gold_used.items() if f in gold[gi]]
        if pairs:
            ok = 0
            for g, p in pairs:
                if _norm_field(f, g[f]) == _norm_field(f, p.get(f)):
                    ok += 1
                else:
                    score.mismatches.append((f, g, p))
            score.accuracy[f] = ok / len(pairs)
    score.misses = [g for gi, g in enumerate(gold) if gi not in gold_used and not _optional(g)]
    score.extras = [pred[pi] for pi in sorted(scope - pred_used)]
    return score


def score_slogans(gold: Sequence[dict], pred: Sequence[dict]) -> Score:
    """Match slogan rows on (doc_id, slogan); see the module docstring.

    Several predicted rows for one (doc_id, slogan) — one per locality block
    — are merged, their counts summed; gold rows likewise.
    """
    def merge(rows: Sequence[dict]) -> dict[tuple[str, str], dict]:
        out: dict[tuple[str, str], dict] = {}
        for r in rows:
            key = (r["doc_id"], r["slogan"])
            if key in out:
                out[key] = dict(out[key])
                out[key]["count"] = str(int(out[key].get("count") or 0) + int(r.get("count") or 0))
                out[key]["_localities"] = out[key]["_localities"] | {r.get("locality", "")}
            else:
                out[key] = dict(r) | {"_localities": {r.get("locality", "")}}
        return out

    g, p = merge(gold), merge(pred)
    matched = [k for k in g if k in p]
    n_gold = sum(1 for k, r in g.items() if not _optional(r) or k in p)
    score = Score("slogans", n_gold, len(p), len(matched))
    if matched:
        score.accuracy["form"] = sum(g[k]["form"] == p[k]["form"] for k in matched) / len(matched)
        score.accuracy["count"] = sum(
            str(g[k]["count"]) == str(p[k].get("count")) for k in matched) / len(matched)
        score.accuracy["locality"] = sum(
            g[k]["_localities"] == p[k]["_localities"] for k in matched) / len(matched)
        for k in matched:
            for f in ("form", "count"):
                if str(g[k][f]) != str(p[k].get(f)):
                    score.mismatches.append((f, g[k], p[k]))
            if g[k]["_localities"] != p[k]["_localities"]:
                score.mismatches.append((
                    "locality", g[k] | {"locality": "、".join(sorted(g[k]["_localities"]))},
                    p[k] | {"locality": "、".join(sorted(p[k]["_localities"]))}))
    score.misses = [r for k, r in g.items() if k not in p and not _optional(r)]
    score.extras = [r for k, r in p.items() if k not in g]
    return score


def _paragraph_scope(gold: Sequence[dict], pred: Sequence[dict],
                     texts: dict[str, str]) -> list[int]:
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for g in gold:
        text = texts.get(g["doc_id"])
        if text is None:
            continue
        q = g["quote"].replace("\\n", "\n")
        i = text.find(q)
        if i < 0:
            continue
        s = text.rfind("\n", 0, i) + 1
        e = text.find("\n", i + len(q))
        spans[g["doc_id"]].append((s, len(text) if e < 0 else e))
    keep = []
    for i, p in enumerate(pred):
        start = _num(p.get("start"))
        if start is None:
            continue
        if any(s <= start < e for s, e in spans.get(p["doc_id"], [])):
            keep.append(i)
    return keep


def load_predictions(path: Path, table: str) -> tuple[list[dict], Path | None]:
    """Rows of ``table`` (``commitments`` or ``slogans``) from a CSV or an
    extraction folder; also the folder's ``documents.csv`` path if present.

    Raises FileNotFoundError with the expected file name when it is missing.
    """
    if path.is_dir():
        f = path / f"{table}.csv"
        if not f.exists():
            raise FileNotFoundError(f"{f}: no {table}.csv in {path} (run `tracker extract` first)")
        docs = path / "documents.csv"
        return _read_csv(f), docs if docs.exists() else None
    return _read_csv(path), None


def gold_kind(path: Path) -> str:
    """``commitments`` or ``slogans``, from the gold file's header."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f), [])
    if "slogan" in header:
        return "slogans"
    if "value" in header and "quote" in header:
        return "commitments"
    raise ValueError(f"{path}: not a gold file (header {header})")


def evaluate(gold_path: Path, pred_path: Path, *, scope: str = "doc") -> Score:
    """Score ``pred_path`` (folder or CSV) against ``gold_path``.

    ``scope`` is ``doc`` (every prediction in a gold document counts) or
    ``para`` (see module docstring; needs the folder's documents.csv to
    re-read the texts).  Predictions for documents absent from the gold are
    ignored in both scopes.
    """
    kind = gold_kind(gold_path)
    gold = _read_csv(gold_path)
    pred, docs_csv = load_predictions(pred_path, kind)
    needed = ("doc_id", "slogan") if kind == "slogans" else ("doc_id", "value", "unit", "quote")
    missing = [c for c in needed if pred and c not in pred[0]]
    if missing:
        raise ValueError(f"{pred_path}: predictions have no {', '.join(missing)} column; "
                         f"give the {kind}.csv of an extraction (or its folder)")
    gold_docs = {g["doc_id"] for g in gold}
    # Documents the extraction saw (a document with no records is still seen).
    seen = ({r["doc_id"] for r in _read_csv(docs_csv)} if docs_csv is not None
            else {p["doc_id"] for p in pred})
    shared = gold_docs & seen
    pred = [p for p in pred if p["doc_id"] in gold_docs]
    if kind == "slogans":
        score = score_slogans(gold, pred)
    else:
        in_scope = None
        if scope == "para":
            if docs_csv is None:
                raise ValueError("--scope para needs an extraction folder with documents.csv")
            in_scope = _paragraph_scope(gold, pred, _texts(docs_csv, gold_docs))
        score = score_commitments(gold, pred, in_scope)
    score.optional = sum(1 for g in gold if _optional(g))
    score.shared_docs, score.gold_docs = len(shared), len(gold_docs)
    return score


def _texts(docs_csv: Path, wanted: set[str]) -> dict[str, str]:
    from tracker.documents import read_inputs
    from tracker.model import Document

    rows = [r for r in _read_csv(docs_csv) if r["doc_id"] in wanted]
    by_path = {r["path"]: r["doc_id"] for r in rows}
    files = sorted({r["path"].rsplit(":", 1)[0] if r["path"].rsplit(":", 1)[-1].isdigit()
                    else r["path"] for r in rows})
    texts = {}
    for item in read_inputs(files):
        if isinstance(item, Document):
            key = by_path.get(item.path)
            if key is not None:
                texts[key] = item.text
    return texts
