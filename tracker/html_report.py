"""One self-contained HTML report of the pipeline's tables.

The page needs nothing from the network: CSS is inline, figures are inline SVG
or plain HTML tables, and a few lines of inline JavaScript filter the tables
when a summary cell or bar is clicked.  Without JavaScript every link still
jumps to the first matching quote.
"""

from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import polars as pl

from tracker.writers import atomic_path

#: How many slogans the heat map shows (the most frequent ones).
HEATMAP_SLOGANS = 30
#: How many pledge-versus-result panels are drawn at most.
TRACK_PANELS = 24

PLEDGE_COLOUR = "#2f6db5"
ACHIEVEMENT_COLOUR = "#2e9b5f"

_QUALIFIER_MARK = {
    "about": "约",
    "at_least": "≥",
    "at_most": "≤",
    "nearly": "近",
    "exact": "",
    "range": "",
}
_KIND_LABEL = {"pledge": "目标 pledge", "achievement": "完成 achievement"}

_CSS = """
:root{--fg:#1d2733;--muted:#5b6878;--line:#dde3ea;--bg:#f4f6f9;--head:#eef2f7;
--pledge:%(pledge)s;--ach:%(ach)s}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);line-height:1.55;
font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Hiragino Sans GB",
"Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",
"Noto Sans",Arial,sans-serif;font-size:15px}
header{background:#1f3b5c;color:#fff;padding:22px 0 14px}
header h1{margin:0 0 4px;font-size:26px;font-weight:600}
header p{margin:0;color:#c9d6e6}
.wrap{max-width:1240px;margin:0 auto;padding:0 24px}
nav{margin-top:12px;display:flex;flex-wrap:wrap;gap:6px 16px}
nav a{color:#e4ecf6;text-decoration:none;border-bottom:1px dotted #9fb5cf}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 16px;
min-width:130px}
.card b{display:block;font-size:24px;font-variant-numeric:tabular-nums}
.card span{color:var(--muted);font-size:13px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;
margin:20px 0;min-width:0}
h2{font-size:20px;margin:0 0 4px}
h3{font-size:16px;margin:14px 0 4px}
.note{color:var(--muted);font-size:13px;margin:0 0 10px}
.scroll{overflow-x:auto;max-width:100%%}
.tall{max-height:80vh;overflow:auto}
table{border-collapse:collapse;font-size:14px}
table.full{width:100%%}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{position:sticky;top:0;background:var(--head);z-index:1;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.nowrap{white-space:nowrap}
td.quote{min-width:22em;max-width:44em}
td.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:var(--muted);
white-space:nowrap}
a{color:#1d5fa8}
a.cell{display:block;text-decoration:none;color:inherit}
a.cell:hover{text-decoration:underline}
.zero{color:#b8c1cc}
.pill{display:inline-block;border-radius:9px;padding:0 7px;font-size:12px;color:#fff;
white-space:nowrap}
.pill.pledge{background:var(--pledge)}
.pill.achievement{background:var(--ach)}
table.heat td.h{text-align:center;min-width:48px;font-variant-numeric:tabular-nums;
border:1px solid #fff}
table.heat td.h a{display:block;color:inherit;text-decoration:none}
table.heat th.slogan{white-space:nowrap;font-weight:500;position:sticky;left:0;background:#fff}
.legend{display:flex;gap:16px;align-items:center;font-size:13px;color:var(--muted);
margin:4px 0 8px;flex-wrap:wrap}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;
margin-right:4px}
.panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(520px,100%%),1fr));gap:16px}
.panel{border:1px solid var(--line);border-radius:6px;padding:8px 10px;min-width:0}
.panel h3{margin:0 0 2px}
.panel td.quote{min-width:0;max-width:none}
svg{max-width:100%%;height:auto;display:block}
svg text{font-family:inherit;fill:#334155}
svg a:hover rect,svg a:hover circle{opacity:.75}
tr:target,tr.hl{background:#fff6c8}
.filter{background:#fff6c8;border:1px solid #ecd77a;border-radius:6px;padding:6px 10px;
margin:8px 0;font-size:14px}
.filter button{margin-left:10px;font:inherit;cursor:pointer}
footer{color:var(--muted);font-size:12px;padding:0 0 30px}
"""

_JS = """
(function(){
function apply(tableId, spec){
  var t=document.getElementById(tableId+'-table'); if(!t) return;
  var p=new URLSearchParams(spec), n=0;
  t.querySelectorAll('tbody tr').forEach(function(tr){
    var ok=true; p.forEach(function(v,k){ if((tr.dataset[k]||'')!==v) ok=false; });
    tr.hidden=!ok; if(ok) n++;
  });
  var f=document.getElementById(tableId+'-filter');
  var parts=[]; p.forEach(function(v,k){parts.push(k+' = '+v);});
  f.querySelector('span').textContent=parts.length?
    ('Showing '+n+' rows where '+parts.join(', ')):'';
  f.hidden=!parts.length;
}
document.addEventListener('click',function(e){
  var a=e.target.closest('a[data-f]'); if(a){
    e.preventDefault(); var tid=a.dataset.t||'commitments';
    apply(tid,a.dataset.f);
    document.getElementById(tid).scrollIntoView();
    history.replaceState(null,'','#'+tid);
    return;
  }
  var b=e.target.closest('button[data-clear]');
  if(b){apply(b.dataset.clear,'');}
});
})();
"""


def render_html(
    tables: Mapping[str, pl.DataFrame],
    *,
    title: str = "tracker report",
    max_rows: int = 20_000,
) -> str:
    """Render the tables as one self-contained HTML page and return it as a string.

    Args:
        tables: table name -> DataFrame, as produced by the pipeline.  Uses
            ``commitments`` (doc_id, locality, kind, year, value, value_max, unit,
            qualifier, object, category, quote, start), ``slogans`` (doc_id,
            locality, slogan, count, start), ``documents`` (doc_id, title, locality,
            year), ``slogans_by_locality`` (slogan, locality, year, count),
            ``errors`` and, when present, ``track``.  Any of them may be missing
            or empty; the matching section then says so.
        title: page title and heading (HTML-escaped).
        max_rows: at most this many rows of the commitments and slogans tables
            are listed at the bottom (the CSV/XLSX outputs have them all).

    Returns:
        A complete HTML5 document (UTF-8 text).  It loads nothing from the
        network.  Sections: per-locality counts by kind and category, slogan ×
        year heat map (top :data:`HEATMAP_SLOGANS` slogans by count), commitments
        per category (SVG bars), pledge versus result per key and year (SVG, only
        with a ``track`` table), then the full commitment and slogan lists.
        Commitment rows have ``id="c-<doc_id>-<start>"``, slogan rows
        ``id="s-<doc_id>-<start>"``; summary cells, bars and heat map cells link
        to them.  All text from the tables is HTML-escaped.
    """
    commitments = _commitment_rows(tables.get("commitments"))
    doc_years = _doc_years(tables.get("documents"))
    slogans = _slogan_rows(tables.get("slogans"), doc_years)
    c_index = _FirstAnchor(commitments)
    s_index = _FirstAnchor(slogans)

    documents = tables.get("documents")
    errors = tables.get("errors")
    n_docs = documents.height if documents is not None else len({r["doc"] for r in commitments})
    localities = sorted({r["locality"] for r in commitments} | {r["locality"] for r in slogans})
    n_pledges = sum(r["kind"] == "pledge" for r in commitments)
    n_ach = sum(r["kind"] == "achievement" for r in commitments)

    sections = [
        _locality_section(commitments, tables.get("by_locality"), c_index),
        _heatmap_section(slogans, tables.get("slogans_by_locality"), s_index),
        _category_section(commitments, c_index),
    ]
    track = tables.get("track")
    if track is not None:
        sections.append(_track_section(track, commitments))
    sections.append(_commitments_section(commitments, max_rows))
    sections.append(_slogans_section(slogans, max_rows))
    if documents is not None:
        sections.append(_documents_section(documents, c_index))
    if errors is not None and errors.height:
        sections.append(_errors_section(errors))

    nav = [("by-locality", "各地概览"), ("heatmap", "口号热力图"), ("categories", "分类")]
    if track is not None:
        nav.append(("track", "目标与完成"))
    nav += [("commitments", "全部承诺"), ("slogans", "全部口号")]
    if documents is not None:
        nav.append(("documents", "文件"))
    if errors is not None and errors.height:
        nav.append(("errors", "错误"))

    cards = [
        (n_docs, "documents 文件"),
        (len(localities), "localities 地区"),
        (n_pledges, "pledges 目标"),
        (n_ach, "achievements 完成"),
        (len(slogans), "slogan mentions 口号"),
    ]
    if errors is not None:
        cards.append((errors.height, "errors 错误"))

    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS % {'pledge': PLEDGE_COLOUR, 'ach': ACHIEVEMENT_COLOUR}}</style>",
        "</head><body>",
        f'<header><div class="wrap"><h1>{e(title)}</h1>',
        "<p>Slogans and numeric commitments found in government texts. "
        "Click any count, bar or cell to see the quotes behind it.</p><nav>",
        *(f'<a href="#{a}">{e(label)}</a>' for a, label in nav),
        "</nav></div></header>",
        '<main class="wrap">',
        '<div class="cards">',
        *(f'<div class="card"><b>{n:,}</b><span>{e(label)}</span></div>' for n, label in cards),
        "</div>",
        *sections,
        "</main>",
        '<footer class="wrap">Generated by tracker. Offsets (start) are character '
        "positions in each document's normalised text.</footer>",
        f"<script>{_JS}</script>",
        "</body></html>",
    ]
    return "\n".join(out) + "\n"


def write_html(
    tables: Mapping[str, pl.DataFrame],
    path: Path,
    *,
    title: str = "tracker report",
) -> Path:
    """Render :func:`render_html` and write it to ``path`` (UTF-8) atomically.

    The page is written to a temporary file beside ``path`` and moved into place,
    so an interrupted run leaves any previous report intact.  Returns ``path``.

    Raises:
        OSError: the file cannot be written (the previous file is kept).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render_html(tables, title=title)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- rows


def _get(row: Mapping[str, Any], key: str, default: Any = None) -> Any:
    v = row.get(key, default)
    return default if v is None else v


def _anchor_id(prefix: str, doc_id: Any, start: Any, seen: set[str]) -> str:
    base = re.sub(r"\s+", "_", f"{prefix}-{doc_id}-{'' if start is None else start}")
    cand, i = base, 2
    while cand in seen:
        cand, i = f"{base}-{i}", i + 1
    seen.add(cand)
    return cand


def _commitment_rows(df: pl.DataFrame | None) -> list[dict[str, Any]]:
    if df is None or df.is_empty():
        return []
    rows = df.to_dicts()
    rows.sort(
        key=lambda r: (
            str(_get(r, "locality", "")),
            _get(r, "year", 0),
            str(_get(r, "doc_id", "")),
            _get(r, "start", 0),
        )
    )
    seen: set[str] = set()
    out = []
    for r in rows:
        out.append(
            {
                **r,
                "anchor": _anchor_id("c", r.get("doc_id"), r.get("start"), seen),
                "locality": str(_get(r, "locality", "—")),
                "kind": str(_get(r, "kind", "")),
                "category": str(_get(r, "category", "other")),
                "doc": str(_get(r, "doc_id", "")),
                "yr": "" if r.get("year") is None else str(r["year"]),
            }
        )
    return out


def _doc_years(df: pl.DataFrame | None) -> dict[str, int]:
    if df is None or "doc_id" not in df.columns or "year" not in df.columns:
        return {}
    return {d: y for d, y in df.select("doc_id", "year").iter_rows() if y is not None}


def _slogan_rows(df: pl.DataFrame | None, doc_years: Mapping[str, int]) -> list[dict[str, Any]]:
    if df is None or df.is_empty():
        return []
    rows = df.to_dicts()
    seen: set[str] = set()
    out = []
    for r in rows:
        doc = str(_get(r, "doc_id", ""))
        year = r.get("year", doc_years.get(doc))
        out.append(
            {
                **r,
                "doc": doc,
                "yr": "" if year is None else str(year),
                "locality": str(_get(r, "locality", "—")),
                "slogan": str(_get(r, "slogan", "")),
            }
        )
    out.sort(key=lambda r: (r["locality"], r["yr"], r["doc"], _get(r, "start", 0)))
    for r in out:
        r["anchor"] = _anchor_id("s", r["doc"], r.get("start"), seen)
    return out


class _FirstAnchor:
    """Anchor of the first row matching a filter, for links that work without JS."""

    def __init__(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self._rows = rows
        self._maps: dict[tuple[str, ...], dict[tuple[str, ...], str]] = {}

    def __call__(self, **crit: str) -> str | None:
        keys = tuple(sorted(crit))
        if keys not in self._maps:
            m: dict[tuple[str, ...], str] = {}
            for r in self._rows:
                m.setdefault(tuple(str(r.get(k, "")) for k in keys), r["anchor"])
            self._maps[keys] = m
        return self._maps[keys].get(tuple(crit[k] for k in keys))


def _filter_link(text: str, table: str, index: _FirstAnchor, cls: str = "cell", **crit: str) -> str:
    """``<a>`` that filters ``table`` by ``crit`` (JS) or jumps to its first match."""
    target = index(**crit) or table
    spec = html.escape(urlencode(crit), quote=True)
    return (
        f'<a class="{cls}" href="#{html.escape(target, quote=True)}" data-t="{table}" '
        f'data-f="{spec}">{text}</a>'
    )


def _plain(v: Any) -> str:
    """Years and offsets: no thousands separator."""
    return "" if v is None else str(v)


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if v != v:
            return ""
        if v.is_integer() and abs(v) < 1e18:
            return f"{int(v):,}"  # 43,000,000,000 斤, never 4.3e+10
        return f"{v:,.6f}".rstrip("0").rstrip(".")
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def _value_text(r: Mapping[str, Any]) -> str:
    mark = _QUALIFIER_MARK.get(str(r.get("qualifier") or ""), "")
    v = _fmt(r.get("value"))
    if r.get("value_max") is not None:
        v = f"{v}–{_fmt(r['value_max'])}"
    unit = str(r.get("unit") or "")
    return f"{mark}{v}{' ' if unit and unit != '%' else ''}{unit}"


# --------------------------------------------------------------------------- sections


def _section(sid: str, heading: str, note: str, body: str) -> str:
    return (
        f'<section id="{sid}"><h2>{html.escape(heading)}</h2>'
        f'<p class="note">{note}</p>{body}</section>'
    )


def _empty(what: str) -> str:
    return f'<p class="note">No {html.escape(what)} in this run.</p>'


def _locality_section(
    rows: list[dict[str, Any]], by_locality: pl.DataFrame | None, index: _FirstAnchor
) -> str:
    e = html.escape
    counts: dict[tuple[str, str], int] = defaultdict(int)
    if rows:
        for r in rows:
            counts[(r["locality"], "kind:" + r["kind"])] += 1
            counts[(r["locality"], "cat:" + r["category"])] += 1
    elif by_locality is not None and not by_locality.is_empty():
        for r in by_locality.to_dicts():
            loc, n = str(_get(r, "locality", "—")), int(_get(r, "records", 0))
            counts[(loc, "kind:" + str(_get(r, "kind", "")))] += n
            counts[(loc, "cat:" + str(_get(r, "category", "other")))] += n
    if not counts:
        return _section("by-locality", "各地概览 · By locality", "", _empty("commitments"))
    locs = sorted({loc for loc, _ in counts})
    cat_totals: dict[str, int] = defaultdict(int)
    for (_, k), n in counts.items():
        if k.startswith("cat:"):
            cat_totals[k[4:]] += n
    cats = sorted(cat_totals, key=lambda c: (-cat_totals[c], c))
    kinds = [k for k in ("pledge", "achievement") if any(kk == "kind:" + k for _, kk in counts)]
    kinds += sorted(
        {kk[5:] for _, kk in counts if kk.startswith("kind:")} - {"pledge", "achievement"}
    )
    locs.sort(key=lambda loc: -sum(counts[(loc, "kind:" + k)] for k in kinds))

    head = ["<th>地区 locality</th>", '<th class="num">total</th>']
    head += [f'<th class="num">{e(_KIND_LABEL.get(k, k))}</th>' for k in kinds]
    head += [f'<th class="num">{e(c)}</th>' for c in cats]
    body = []
    for loc in locs:
        total = sum(counts[(loc, "kind:" + k)] for k in kinds)
        cells = [
            f"<th>{_filter_link(e(loc), 'commitments', index, locality=loc)}</th>",
            f'<td class="num">{_filter_link(_fmt(total), "commitments", index, locality=loc)}</td>',
        ]
        for dim, values in (("kind", kinds), ("category", cats)):
            for v in values:
                n = counts[(loc, ("kind:" if dim == "kind" else "cat:") + v)]
                if n:
                    link = _filter_link(_fmt(n), "commitments", index, locality=loc, **{dim: v})
                    cells.append(f'<td class="num">{link}</td>')
                else:
                    cells.append('<td class="num zero">·</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    table = (
        '<div class="scroll"><table class="full"><thead><tr>'
        + "".join(head)
        + "</tr></thead><tbody>"
        + "\n".join(body)
        + "</tbody></table></div>"
    )
    return _section(
        "by-locality",
        "各地概览 · By locality",
        "Commitments found per locality, by kind and by category. Each count links to the quotes.",
        table,
    )


def _heat_colour(x: float) -> tuple[str, str]:
    """Background and text colour for intensity ``x`` in [0, 1] (light cream → deep red)."""
    lo, hi = (255, 245, 235), (179, 38, 30)
    rgb = tuple(round(a + (b - a) * x) for a, b in zip(lo, hi, strict=True))
    r, g, b = rgb
    return f"#{r:02x}{g:02x}{b:02x}", ("#fff" if x > 0.55 else "#1d2733")


def _heatmap_section(
    slogans: list[dict[str, Any]], by_loc: pl.DataFrame | None, index: _FirstAnchor
) -> str:
    e = html.escape
    cells: dict[tuple[str, str], int] = defaultdict(int)
    if by_loc is not None and not by_loc.is_empty() and "slogan" in by_loc.columns:
        for r in by_loc.to_dicts():
            y = "" if r.get("year") is None else str(r["year"])
            cells[(str(r["slogan"]), y)] += int(_get(r, "count", 1))
    else:
        for r in slogans:
            cells[(r["slogan"], r["yr"])] += int(_get(r, "count", 1))
    if not cells:
        return _section("heatmap", "口号热力图 · Slogans by year", "", _empty("slogans"))
    totals: dict[str, int] = defaultdict(int)
    for (s, _), n in cells.items():
        totals[s] += n
    top = sorted(totals, key=lambda s: (-totals[s], s))[:HEATMAP_SLOGANS]
    top_set = set(top)
    years = sorted({y for (s, y) in cells if s in top_set}, key=lambda y: (y == "", y))
    peak = max(cells[(s, y)] for s in top for y in years) or 1

    head = "<th>口号 slogan</th>" + "".join(f'<th class="num">{e(y or "?")}</th>' for y in years)
    head += '<th class="num">total</th>'
    body = []
    for s in top:
        tds = [f'<th class="slogan">{e(s)}</th>']
        for y in years:
            n = cells.get((s, y), 0)
            if not n:
                tds.append('<td class="h" style="background:#f7f8fa"></td>')
                continue
            bg, fg = _heat_colour(n / peak)
            link = _filter_link(_fmt(n), "slogans", index, slogan=s, yr=y)
            tds.append(
                f'<td class="h" style="background:{bg};color:{fg}" '
                f'title="{e(s)} · {e(y or "?")}: {n}">{link}</td>'
            )
        tds.append(f'<td class="num">{_filter_link(_fmt(totals[s]), "slogans", index, slogan=s)}')
        body.append("<tr>" + "".join(tds) + "</tr>")
    shown = f"top {len(top)} of {len(totals)}" if len(totals) > len(top) else f"all {len(top)}"
    table = (
        '<div class="scroll"><table class="heat"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "\n".join(body)
        + "</tbody></table></div>"
    )
    return _section(
        "heatmap",
        "口号热力图 · Slogans by year",
        f"Mentions per year ({shown} slogans, most frequent first; all localities). "
        "Darker means more mentions; click a cell for the mentions.",
        table,
    )


def _category_section(rows: list[dict[str, Any]], index: _FirstAnchor) -> str:
    if not rows:
        return _section("categories", "分类 · Commitments by category", "", _empty("commitments"))
    e = html.escape
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        counts[r["category"]][r["kind"]] += 1
    cats = sorted(counts, key=lambda c: (-sum(counts[c].values()), c))
    kinds = ["pledge", "achievement"] + sorted(
        {k for c in counts.values() for k in c} - {"pledge", "achievement"}
    )
    colours = {"pledge": PLEDGE_COLOUR, "achievement": ACHIEVEMENT_COLOUR}
    label_w, bar_w, row_h, top = 170, 600, 26, 8
    peak = max(sum(c.values()) for c in counts.values())
    height = top + row_h * len(cats) + 8
    width = label_w + bar_w + 60
    parts = [
        f'<svg viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="commitments by category">'
    ]
    for i, c in enumerate(cats):
        y = top + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="14">{e(c)}</text>'
        )
        x = float(label_w)
        for k in kinds:
            n = counts[c].get(k, 0)
            if not n:
                continue
            w = bar_w * n / peak
            target = index(category=c, kind=k) or "commitments"
            spec = e(f"category={_q(c)}&kind={_q(k)}", quote=True)
            parts.append(
                f'<a href="#{e(target, quote=True)}" data-t="commitments" data-f="{spec}">'
                f'<rect x="{x:.1f}" y="{y + 3}" width="{max(w, 1.5):.1f}" height="{row_h - 7}" '
                f'fill="{colours.get(k, "#8a96a3")}"><title>{e(c)} · {e(k)}: {n}</title></rect>'
                "</a>"
            )
            x += w
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + 17}" font-size="13">{sum(counts[c].values())}</text>'
        )
    parts.append("</svg>")
    legend = (
        '<div class="legend">'
        + "".join(
            f'<span><i class="sw" style="background:{colours.get(k, "#8a96a3")}"></i>'
            f"{e(_KIND_LABEL.get(k, k))}</span>"
            for k in kinds
            if any(k in counts[c] for c in cats)
        )
        + "</div>"
    )
    return _section(
        "categories",
        "分类 · Commitments by category",
        "Number of pledges and achievements per category. Click a bar for its quotes.",
        legend + '<div class="scroll">' + "".join(parts) + "</div>",
    )


def _q(s: str) -> str:
    return quote(s, safe="")


def _track_section(track: pl.DataFrame, commitments: list[dict[str, Any]]) -> str:
    e = html.escape
    if track.is_empty():
        return _section("track", "目标与完成 · Pledge versus result", "", _empty("tracked keys"))
    by_quote: dict[tuple[str, str], str] = {}
    for r in commitments:
        by_quote.setdefault((r["doc"], str(_get(r, "quote", ""))), r["anchor"])
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in track.to_dicts():
        groups[(str(_get(r, "locality", "—")), str(_get(r, "key", "")))].append(r)

    def score(item: tuple[tuple[str, str], list[dict[str, Any]]]) -> tuple[int, int, str, str]:
        (loc, key), rs = item
        both = sum(r.get("pledged_value") is not None and r.get("achieved_value") is not None
                   for r in rs)  # fmt: skip
        return (-both, -len(rs), loc, key)

    ordered = sorted(groups.items(), key=score)
    panels = []
    for (loc, key), rs in ordered[:TRACK_PANELS]:
        rs.sort(key=lambda r: _get(r, "year", 0))
        panels.append(_track_panel(loc, key, rs, by_quote))
    more = ""
    if len(ordered) > TRACK_PANELS:
        more = f" Showing {TRACK_PANELS} of {len(ordered)} keys (those with most results)."
    legend = (
        '<div class="legend">'
        f'<span><i class="sw" style="background:{PLEDGE_COLOUR};opacity:.35"></i>'
        "target range 目标区间</span>"
        f'<span><i class="sw" style="background:{PLEDGE_COLOUR}"></i>target 目标</span>'
        f'<span><i class="sw" style="background:{ACHIEVEMENT_COLOUR};border-radius:6px"></i>'
        "result 完成</span></div>"
    )
    return _section(
        "track",
        "目标与完成 · Pledge versus result",
        e("Each panel: what was pledged for a year and what a later report said was achieved.")
        + e(more)
        + " Click a mark or a quote to jump to it.",
        legend + '<div class="panels">' + "\n".join(panels) + "</div>",
    )


def _nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    t = math.floor(lo / step) * step
    ticks = [round(t, 10)]
    while ticks[-1] < hi - step * 1e-9:
        t += step
        ticks.append(round(t, 10))
    return ticks


def _track_panel(
    loc: str, key: str, rows: list[dict[str, Any]], by_quote: Mapping[tuple[str, str], str]
) -> str:
    e = html.escape
    unit = str(_get(rows[0], "unit", ""))
    values = [
        float(v)
        for r in rows
        for v in (r.get("pledged_value"), r.get("pledged_value_max"), r.get("achieved_value"))
        if v is not None
    ]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if lo >= 0 and lo <= 0.5 * hi:
        lo = 0.0  # close enough to zero: show the baseline
    elif hi <= 0 and hi >= 0.5 * lo:
        hi = 0.0
    pad = max((hi - lo) * 0.15, abs(hi) * 0.05, 1e-9)
    ticks = _nice_ticks(lo - (pad if lo != 0 else 0), hi + pad)
    lo, hi = ticks[0], ticks[-1]
    w, h, left, right, top, bottom = 500, 200, 52, 12, 14, 28
    pw, ph = w - left - right, h - top - bottom
    years = [r.get("year") for r in rows]
    slot = pw / max(len(rows), 1)

    def ypos(v: float) -> float:
        return top + ph - (v - lo) / (hi - lo) * ph

    parts = [
        f'<svg viewBox="0 0 {w} {h}" width="{w}" '
        f'height="{h}" role="img" aria-label="{e(loc)} {e(key)}">'
    ]
    for t in ticks:
        y = ypos(t)
        parts.append(
            f'<line x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e8ee"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{e(_fmt(t))}</text>"
        )
    achieved_pts = []
    for i, r in enumerate(rows):
        cx = left + slot * (i + 0.5)
        parts.append(
            f'<text x="{cx:.1f}" y="{h - 8}" text-anchor="middle" font-size="12">'
            f"{e(_plain(years[i]) or '?')}</text>"
        )
        pv, pmax, av = r.get("pledged_value"), r.get("pledged_value_max"), r.get("achieved_value")
        p_anchor = by_quote.get((str(_get(r, "pledge_doc", "")), str(_get(r, "pledge_quote", ""))))
        a_anchor = by_quote.get((str(_get(r, "result_doc", "")), str(_get(r, "result_quote", ""))))
        bw = min(44.0, slot * 0.6)
        if pv is not None:
            tip = f"target {_value_text({**r, 'value': pv, 'value_max': pmax, 'unit': unit})}"
            if pmax is not None:
                y1, y2 = ypos(max(pv, pmax)), ypos(min(pv, pmax))
                mark = (
                    f'<rect x="{cx - bw / 2:.1f}" y="{y1:.1f}" width="{bw:.1f}" '
                    f'height="{max(y2 - y1, 2):.1f}" fill="{PLEDGE_COLOUR}" fill-opacity=".35" '
                    f'stroke="{PLEDGE_COLOUR}"><title>{e(tip)}</title></rect>'
                )
            else:
                y = ypos(pv)
                mark = (
                    f'<rect x="{cx - bw / 2:.1f}" y="{y - 2:.1f}" width="{bw:.1f}" height="4" '
                    f'fill="{PLEDGE_COLOUR}"><title>{e(tip)}</title></rect>'
                )
            label = _fmt(pv) if pmax is None else f"{_fmt(pv)}–{_fmt(pmax)}"
            mark += (
                f'<text x="{cx - bw / 2 - 5:.1f}" y="{ypos(pv) + 4:.1f}" text-anchor="end" '
                f'font-size="11" fill="{PLEDGE_COLOUR}">{e(label)}</text>'
            )
            if p_anchor:
                mark = f'<a href="#{e(p_anchor, quote=True)}">{mark}</a>'
            parts.append(mark)
        if av is not None:
            y = ypos(av)
            achieved_pts.append((cx, y))
            mark = (
                f'<circle cx="{cx:.1f}" cy="{y:.1f}" r="5.5" fill="{ACHIEVEMENT_COLOUR}" '
                f'stroke="#fff" stroke-width="1.5"><title>result {e(_fmt(av))}{e(unit)}'
                "</title></circle>"
                f'<text x="{cx + bw / 2 + 5:.1f}" y="{y + 4:.1f}" font-size="11">'
                f"{e(_fmt(av))}</text>"
            )
            if a_anchor:
                mark = f'<a href="#{e(a_anchor, quote=True)}">{mark}</a>'
            parts.append(mark)
    if len(achieved_pts) > 1:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in achieved_pts)
        parts.insert(
            len(ticks) + 1,
            f'<polyline points="{pts}" fill="none" stroke="{ACHIEVEMENT_COLOUR}" '
            'stroke-width="1.5" stroke-dasharray="4 3"/>',
        )
    parts.append("</svg>")

    trs = []
    for r in rows:
        pv = r.get("pledged_value")
        target = (
            _value_text({**r, "value": pv, "value_max": r.get("pledged_value_max"), "unit": unit})
            if pv is not None
            else ""
        )
        av = r.get("achieved_value")
        result = f"{_fmt(av)}{'' if unit == '%' else ' '}{unit}" if av is not None else ""
        quotes = []
        for who, doc_k, q_k in (("目标", "pledge_doc", "pledge_quote"),
                                ("完成", "result_doc", "result_quote")):  # fmt: skip
            q = r.get(q_k)
            if not q:
                continue
            anchor = by_quote.get((str(_get(r, doc_k, "")), str(q)))
            text = e(str(q))
            if anchor:
                text = f'<a href="#{e(anchor, quote=True)}">{text}</a>'
            quotes.append(f"{who}：{text}")
        trs.append(
            f'<tr><td class="num">{e(_plain(r.get("year")))}</td>'
            f'<td class="num">{e(target)}</td><td class="num">{e(result)}</td>'
            f'<td class="nowrap">{e(str(_get(r, "status", "")))}</td>'
            f'<td class="quote">{"<br>".join(quotes)}</td></tr>'
        )
    table = (
        '<div class="scroll"><table class="full"><thead><tr><th class="num">year</th>'
        '<th class="num">target</th><th class="num">result</th><th>status</th><th>quotes</th>'
        "</tr></thead><tbody>" + "".join(trs) + "</tbody></table></div>"
    )
    return (
        f'<div class="panel"><h3>{e(loc)} · {e(key)}</h3>'
        f'<div class="scroll">{"".join(parts)}</div>{table}</div>'
    )


def _filter_box(table: str) -> str:
    return (
        f'<div class="filter" id="{table}-filter" hidden><span></span>'
        f'<button type="button" data-clear="{table}">show all</button></div>'
    )


def _data_attrs(r: Mapping[str, Any], keys: Iterable[str]) -> str:
    return "".join(f' data-{k}="{html.escape(str(r.get(k, "")), quote=True)}"' for k in keys)


def _commitments_section(rows: list[dict[str, Any]], max_rows: int) -> str:
    e = html.escape
    if not rows:
        return _section("commitments", "全部承诺 · All commitments", "", _empty("commitments"))
    shown = rows[:max_rows]
    cut = (
        f" Only the first {max_rows:,} of {len(rows):,} are listed here; see commitments.csv."
        if len(rows) > max_rows
        else ""
    )
    body = []
    for r in shown:
        body.append(
            f'<tr id="{e(r["anchor"], quote=True)}"'
            + _data_attrs(r, ("locality", "kind", "category", "doc", "yr"))
            + ">"
            f"<td class=nowrap>{e(r['locality'])}</td>"
            f'<td class="num">{e(r["yr"])}</td>'
            f'<td><span class="pill {e(r["kind"], quote=True)}">{e(r["kind"])}</span></td>'
            f"<td class=nowrap>{e(r['category'])}</td>"
            f"<td>{e(str(_get(r, 'object', '')))}</td>"
            f'<td class="num">{e(_value_text(r))}</td>'
            f'<td class="quote">{e(str(_get(r, "quote", "")))}</td>'
            f'<td class="id">{e(r["doc"])}<br>@{e(_plain(r.get("start")))}</td></tr>'
        )
    table = (
        _filter_box("commitments")
        + '<div class="scroll tall"><table class="full" id="commitments-table"><thead><tr>'
        "<th>locality</th><th class=num>year</th><th>kind</th><th>category</th><th>object</th>"
        "<th class=num>value</th><th>quote</th><th>doc @ offset</th></tr></thead><tbody>"
        + "\n".join(body)
        + "</tbody></table></div>"
    )
    return _section(
        "commitments",
        "全部承诺 · All commitments",
        e(f"{len(rows):,} pledges and achievements, by locality and year.{cut}"),
        table,
    )


def _slogans_section(rows: list[dict[str, Any]], max_rows: int) -> str:
    e = html.escape
    if not rows:
        return _section("slogans", "全部口号 · All slogan mentions", "", _empty("slogans"))
    shown = rows[:max_rows]
    cut = (
        f" Only the first {max_rows:,} are listed; see slogans.csv." if len(rows) > max_rows else ""
    )
    body = [
        f'<tr id="{e(r["anchor"], quote=True)}"'
        + _data_attrs(r, ("slogan", "locality", "doc", "yr"))
        + f"><td class=nowrap>{e(r['locality'])}</td><td class=num>{e(r['yr'])}</td>"
        f"<td>{e(r['slogan'])}</td><td>{e(str(_get(r, 'form', '')))}</td>"
        f"<td class=num>{e(_fmt(r.get('count')))}</td>"
        f'<td class="id">{e(r["doc"])}<br>@{e(_plain(r.get("start")))}</td></tr>'
        for r in shown
    ]
    table = (
        _filter_box("slogans")
        + '<div class="scroll tall"><table class="full" id="slogans-table"><thead><tr>'
        "<th>locality</th><th class=num>year</th><th>slogan</th><th>form</th>"
        "<th class=num>count</th><th>doc @ offset</th></tr></thead><tbody>"
        + "\n".join(body)
        + "</tbody></table></div>"
    )
    return _section(
        "slogans",
        "全部口号 · All slogan mentions",
        e(f"{len(rows):,} slogan mentions (count = times in the document).{cut}"),
        table,
    )


def _documents_section(df: pl.DataFrame, index: _FirstAnchor) -> str:
    e = html.escape
    if df.is_empty():
        return _section("documents", "文件 · Documents", "", _empty("documents"))
    body = []
    for r in df.to_dicts():
        doc = str(_get(r, "doc_id", ""))
        doc_cell = e(doc)
        if index(doc=doc):
            doc_cell = _filter_link(e(doc), "commitments", index, cls="", doc=doc)
        body.append(
            f'<tr><td class="id">{doc_cell}</td><td>{e(str(_get(r, "title", "")))}</td>'
            f"<td class=nowrap>{e(str(_get(r, 'locality', '')))}</td>"
            f"<td class=num>{e(_plain(r.get('year')))}</td>"
            f"<td class=num>{e(_fmt(r.get('chars')))}</td>"
            f"<td>{e(str(_get(r, 'status', '')))}</td></tr>"
        )
    table = (
        '<div class="scroll tall"><table class="full"><thead><tr><th>doc_id</th><th>title</th>'
        "<th>locality</th><th class=num>year</th><th class=num>chars</th><th>status</th>"
        "</tr></thead><tbody>" + "\n".join(body) + "</tbody></table></div>"
    )
    return _section(
        "documents", "文件 · Documents", "Documents read; click an id for its commitments.", table
    )


def _errors_section(df: pl.DataFrame) -> str:
    e = html.escape
    body = [
        f'<tr><td class="id">{e(str(_get(r, "path", "")))}</td>'
        f"<td class=num>{e(_plain(r.get('line')))}</td>"
        f"<td>{e(str(_get(r, 'stage', '')))}</td><td>{e(str(_get(r, 'message', '')))}</td></tr>"
        for r in df.to_dicts()
    ]
    table = (
        '<div class="scroll tall"><table class="full"><thead><tr><th>path</th>'
        "<th class=num>line</th><th>stage</th><th>message</th></tr></thead><tbody>"
        + "\n".join(body)
        + "</tbody></table></div>"
    )
    return _section("errors", "错误 · Errors", "Inputs that could not be fully read.", table)
