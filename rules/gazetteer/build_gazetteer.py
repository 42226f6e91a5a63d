"""Regenerate ``rules/gazetteer/divisions.csv`` from public data (see SOURCE.md).

Inputs
------
1. ``result.csv`` of the CC0 dataset yescallop/areacodes (GB/T 2260 county-level-and-above
   codes 1981-today, with status, validity years and old->new code mapping).  This is the
   primary source: every code, name, level, parent and history row comes from it.
2. ``dictionary/china_location.zip`` shipped inside the PyPI package ``jionlp`` (Apache-2.0).
   Only its short names (``西宁``, ``黔南``, ``大通``) are used, joined on code *and* name.
   Units missing from jionlp get a short name by the same rule jionlp follows (strip the
   administrative suffix and, for autonomous units, the ethnic-group names; the list of
   ethnic-group names is itself derived from the jionlp entries, not typed by hand).

Usage::

    python rules/gazetteer/build_gazetteer.py \
        --areacodes-csv /path/to/areacodes/result.csv \
        --jionlp-zip /path/to/site-packages/jionlp/dictionary/china_location.zip

``--areacodes-csv`` may be an ``http(s)://`` URL; the default is the raw file at the pinned
commit.  ``--jionlp-zip`` defaults to the copy inside an installed ``jionlp`` (found
without importing it).  Output is deterministic (sorted) so re-running gives a no-op diff.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import re
import urllib.request
import zipfile
from collections import defaultdict
from pathlib import Path

AREACODES_COMMIT = "eed219a0678d36bacaa717f62443b10e869f0291"
AREACODES_URL = (
    f"https://raw.githubusercontent.com/yescallop/areacodes/{AREACODES_COMMIT}/result.csv"
)
HERE = Path(__file__).resolve().parent
OUT = HERE / "divisions.csv"
COLUMNS = [
    "code", "name", "short_name", "level", "parent_code", "province", "prefecture",
    "aliases", "former_codes", "valid_from", "valid_until", "successor_code",
]
LEVELS = {"省级": "province", "地级": "prefecture", "县级": "county"}
# Administrative suffixes, longest first (used only for the fallback short name).
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区",
            "省", "市", "区", "县", "盟", "旗")


def read_areacodes(src: str) -> list[dict[str, str]]:
    if src.startswith(("http://", "https://")):
        with urllib.request.urlopen(src, timeout=60) as resp:  # noqa: S310 - pinned URL
            text = resp.read().decode("utf-8-sig")
    else:
        text = Path(src).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def default_jionlp_zip() -> Path:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("jionlp not installed: pass --jionlp-zip")
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary/china_location.zip"


def read_jionlp(zip_path: Path) -> dict[tuple[str, str], str]:
    """(code, full name) -> short name, for the province/prefecture/county lines."""
    with zipfile.ZipFile(zip_path) as zf:
        text = zf.read("china_location.txt").decode("utf-8")
    out: dict[tuple[str, str], str] = {}
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        parts = line.strip().split("\t")
        if depth <= 2 and len(parts) == 3 and re.fullmatch(r"\d{6}", parts[1]):
            out[(parts[1], parts[0])] = parts[2]
    return out


def ethnic_names(jio: dict[tuple[str, str], str]) -> list[str]:
    """Ethnic-group names (``回族``, ``布依族``...) found in jionlp's autonomous units."""
    found: set[str] = set()
    for (_code, name), short in jio.items():
        for form in short.split("/"):
            m = re.fullmatch(re.escape(form) + r"(.*?)(?:自治[区州县旗]|(?<=族)区)", name)
            if not m:
                continue
            rest = m.group(1)
            if rest == "族":  # 鄂温克族自治旗: the stem itself is the ethnic name
                found.add(form + "族")
            elif rest:
                found.update(p + "族" for p in rest.split("族")[:-1] if p)
                if not rest.endswith("族"):  # 巴音郭楞 + 蒙古 + 自治州
                    found.add(rest.split("族")[-1])
    return sorted(found, key=len, reverse=True)


def derive_short(name: str, ethnic: list[str]) -> str:
    """Fallback short name: strip suffix and trailing ethnic-group names."""
    stem = name
    for suf in SUFFIXES:
        if stem.endswith(suf) and len(stem) > len(suf) + 1:
            stem = stem[: -len(suf)]
            break
    changed = True
    while changed:
        changed = False
        for eth in ethnic:
            if stem.endswith(eth) and len(stem) > len(eth) + 1:
                stem = stem[: -len(eth)]
                changed = True
    return stem if len(stem) >= 2 else name


def split_short(name: str, jio_short: str | None, ethnic: list[str]) -> tuple[str, list[str]]:
    """Return (short name, other colloquial short forms).

    jionlp writes alternatives as ``巴州/巴音郭楞``; the form that is a prefix of the full
    name becomes ``short_name``, the others (``巴州``, ``莫旗``, ``土左旗``) go to aliases.
    """
    stem = derive_short(name, ethnic)
    if not jio_short:
        return stem, []
    forms = [f for f in jio_short.split("/") if f]
    prefix_forms = [f for f in forms if name.startswith(f)]
    short = prefix_forms[-1] if prefix_forms else forms[0]
    return short, [f for f in forms if f != short]


def aliases_for(name: str, short: str, ethnic: list[str]) -> list[str]:
    """Suffixed short forms used in running text: 大通回族土族自治县 -> 大通县, 黔南州."""
    stem = short if name.startswith(short) else derive_short(name, ethnic)
    out = []
    for suf, alias_suf in (("自治县", "县"), ("自治旗", "旗"), ("自治州", "州")):
        if name.endswith(suf) and stem != name:
            out.append(stem + alias_suf)
    return out


def primary_successor(codes: list[str], name: str, by_code: dict[str, list[dict]]) -> str:
    """Choose the successor a historic unit maps to for identity purposes.

    Preference: successors without a ``[year]`` annotation (those are earlier partial
    transfers), then one that keeps the old name, then the first listed by the source.
    """
    plain = [c for c in codes if "[" not in c] or codes
    plain = [c.split("[")[0] for c in plain]
    for c in plain:
        if any(r["名称"] == name for r in by_code.get(c, [])):
            return c
    return plain[0]


def build(rows: list[dict[str, str]], jio: dict[tuple[str, str], str], since: int) -> list[dict]:
    ethnic = ethnic_names(jio)
    jio_by_name: dict[str, set[str]] = defaultdict(set)
    for (_code, name), short in jio.items():
        jio_by_name[name].add(short)
    by_code: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_code[r["代码"]].append(r)

    def is_current(r: dict) -> bool:
        return r["状态"] == "在用"

    def keep(r: dict) -> bool:
        return is_current(r) or int(r["变更/弃用时间"] or 0) >= since

    kept = [r for r in rows if keep(r)]
    # Prefecture-level records by (code, name) to attach county parents.
    pref_names = {(r["代码"], r["名称"]) for r in rows if r["级别"] == "地级"}
    pref_by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in rows:
        if r["级别"] == "地级":
            pref_by_name[(r["代码"][:2], r["名称"])].append(r["代码"])

    out: list[dict] = []
    succ_of: dict[tuple[str, str], str] = {}
    for r in kept:
        code, name, level = r["代码"], r["名称"], LEVELS[r["级别"]]
        prov_code = code[:2] + "0000"
        province = r["一级行政区"]
        prefecture = ""
        parent = ""
        if level == "prefecture":
            parent = prov_code
        elif level == "county":
            second = r["二级行政区"]
            if second == "直辖" or not second:
                parent = prov_code
                # Districts of the four municipalities: the municipality is the prefecture.
                prefecture = province if province.endswith("市") else ""
            else:
                prefecture = second
                cand = code[:4] + "00"
                if (cand, second) in pref_names:
                    parent = cand
                else:
                    codes = pref_by_name.get((code[:2], second), [])
                    parent = codes[-1] if codes else prov_code
        jshort = jio.get((code, name))
        if jshort is None and len(jio_by_name.get(name, ())) == 1:
            jshort = next(iter(jio_by_name[name]))  # historic row of a unit jionlp knows
        short, extra = split_short(name, jshort, ethnic)
        succ = ""
        valid_until = ""
        if not is_current(r):
            valid_until = r["变更/弃用时间"]
            codes = [c for c in r["新代码"].split(";") if c]
            if codes:
                all_codes = [c.split("[")[0] for c in codes]
                primary = primary_successor(codes, name, by_code)
                succ = "|".join([primary] + [c for c in all_codes if c != primary])
                succ_of[(code, name)] = primary
        aliases = []
        for a in [*aliases_for(name, short, ethnic), *extra]:
            if a not in (name, short) and a not in aliases:
                aliases.append(a)
        out.append({
            "code": code, "name": name, "short_name": short, "level": level,
            "parent_code": parent, "province": province, "prefecture": prefecture,
            "aliases": "|".join(aliases), "former_codes": "", "valid_from": r["启用时间"],
            "valid_until": valid_until, "successor_code": succ,
        })

    # former_codes: historic rows whose successor chain ends at a current code.
    current_codes = {o["code"] for o in out if not o["valid_until"]}
    former: dict[str, set[str]] = defaultdict(set)
    for o in out:
        if not o["valid_until"] or not o["successor_code"]:
            continue
        c, seen = succ_of[(o["code"], o["name"])], set()
        while c not in current_codes and c not in seen:
            seen.add(c)
            nxt = [succ_of[(c, r["名称"])] for r in by_code.get(c, []) if (c, r["名称"]) in succ_of]
            if not nxt:
                break
            c = nxt[-1]
        if c in current_codes and c != o["code"]:
            former[c].add(o["code"])
    for o in out:
        if not o["valid_until"]:
            o["former_codes"] = "|".join(sorted(former.get(o["code"], ())))

    out.append({
        "code": "100000", "name": "全国", "short_name": "全国", "level": "country",
        "parent_code": "", "province": "", "prefecture": "", "aliases": "",
        "former_codes": "", "valid_from": "", "valid_until": "", "successor_code": "",
    })
    out.sort(key=lambda o: (o["code"], o["valid_until"] or "9999", o["name"]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--areacodes-csv", default=AREACODES_URL)
    ap.add_argument("--jionlp-zip", type=Path, default=None)
    ap.add_argument("--history-since", type=int, default=2000,
                    help="keep historic units abolished/changed in or after this year")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    rows = read_areacodes(args.areacodes_csv)
    jio = read_jionlp(args.jionlp_zip or default_jionlp_zip())
    out = build(rows, jio, args.history_since)
    with args.out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(out)
    print(f"wrote {len(out)} rows to {args.out}")


if __name__ == "__main__":
    main()
