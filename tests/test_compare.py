"""tracker diff and tracker track on the national work reports 2013–2019.

The pipeline runs for real on the corpus lines of 2013–2019; the expected
values were checked by hand against the report texts (gwr_2015: 国内生产总值
达到63.6万亿元，比上年增长7.4%; gwr_2016: 增长6.9%; gwr_2017: 增长6.7%;
gwr_2018: 国内生产总值增长6.9%; gwr_2019: 国内生产总值增长6.6%).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tracker.cli import app
from tracker.compare import (
    DIFF_SCHEMA,
    TRACK_SCHEMA,
    compare_key,
    diff,
    document_years,
    judge,
    read_extraction,
    track,
)
from tracker.writers import COLUMN_ORDER


@pytest.fixture(scope="module")
def gwr_13_19(national_jsonl: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gwr") / "gwr_2013_2019.jsonl"
    with national_jsonl.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            if 2013 <= json.loads(line)["year"] <= 2019:
                dst.write(line)
    return out


@pytest.fixture(scope="module")
def records(gwr_13_19: Path) -> dict[str, pl.DataFrame]:
    from tracker.pipeline import run

    t = run([gwr_13_19], doc_id_template="gwr_{year}").tables
    return {"commitments": document_years(t["commitments"], t["documents"]),
            "slogans": t["slogans"]}


def _series(tr: pl.DataFrame, key: str) -> list[tuple]:
    return [(r["year"], r["pledged_value"], r["pledged_value_max"], r["qualifier"],
             r["achieved_value"], r["status"], r["pledge_doc"], r["result_doc"])
            for r in tr.filter(pl.col("key") == key).sort("year").iter_rows(named=True)]


def test_track_gdp_growth_targets_against_reported_growth(records):
    tr = track(records["commitments"], locality="全国")
    assert _series(tr, "国内生产总值增长") == [
        (2013, 7.5, None, "about", 7.7, "met", "gwr_2013", "gwr_2014"),
        (2014, 7.5, None, "about", 7.4, "met", "gwr_2014", "gwr_2015"),
        (2015, 7.0, None, "about", 6.9, "met", "gwr_2015", "gwr_2016"),
        (2016, 6.5, 7.0, "range", 6.7, "met", "gwr_2016", "gwr_2017"),
        (2017, 6.5, None, "about", 6.9, "met", "gwr_2017", "gwr_2018"),
        (2018, 6.5, None, "about", 6.6, "met", "gwr_2018", "gwr_2019"),
        (2019, 6.0, 6.5, "range", None, "no result found", "gwr_2019", None),
    ]
    row = tr.filter((pl.col("key") == "国内生产总值增长") & (pl.col("year") == 2014)).row(
        0, named=True)
    assert row["pledge_quote"] == "国内生产总值增长7.5%左右"
    assert "7.4%" in row["result_quote"]
    assert row["ratio"] == pytest.approx(7.4 / 7.5, abs=1e-4)


def test_track_new_urban_jobs_against_target(records):
    tr = track(records["commitments"], locality="全国")
    got = [(y, p, a, s) for y, p, _, q, a, s, *_ in _series(tr, "城镇新增就业") if y <= 2018]
    assert got == [
        (2013, 9_000_000, 13_100_000, "met"),
        (2014, 10_000_000, 13_220_000, "met"),
        (2015, 10_000_000, 13_120_000, "met"),
        (2016, 10_000_000, 13_140_000, "met"),
        # gwr_2018 first gives the five-year total 城镇新增就业6600万人以上 (extracted as a
        # 2017 result); the exact one-year figure is preferred.
        (2017, 11_000_000, 13_510_000, "met"),
        (2018, 11_000_000, 13_610_000, "met"),
    ]


def test_track_cpi_caps_against_outcomes(records):
    tr = track(records["commitments"], locality="全国")
    got = [(y, p, q, a, s) for y, p, _, q, a, s, *_ in _series(tr, "居民消费价格涨幅") if y <= 2018]
    assert got == [
        (2013, 3.5, "about", 2.6, "met"),
        (2014, 3.5, "about", 2.0, "met"),
        # gwr_2016 says only 居民消费价格涨幅保持较低水平: no number for 2015.
        (2015, 3.0, "about", None, "no result found"),
        (2016, 3.0, "about", 2.0, "met"),
        # gwr_2018 gives only the five-year 居民消费价格年均上涨1.9%, never a 2017 result.
        (2017, 3.0, "about", None, "no result found"),
        (2018, 3.0, "about", 2.1, "met"),
    ]


def test_diff_2018_2019_lists_changed_targets(records):
    c = records["commitments"]
    s = records["slogans"]
    d = diff(c.filter(pl.col("doc_year") == 2018), c.filter(pl.col("doc_year") == 2019),
             s.filter(pl.col("year") == 2018), s.filter(pl.col("year") == 2019),
             locality="全国")
    assert list(d.columns) == list(DIFF_SCHEMA)
    rows = {(r["key"], r["unit"]): r for r in d.iter_rows(named=True)}
    gdp = rows[("国内生产总值增长", "%")]
    assert (gdp["change"], gdp["value_from"], gdp["value_to"], gdp["value_max_to"],
            gdp["qualifier_from"], gdp["qualifier_to"]) == (
        "changed", 6.5, 6.0, 6.5, "about", "range")
    assert gdp["detail"] == "6.5 about → 6–6.5 range"
    assert (gdp["year_from"], gdp["year_to"]) == (2018, 2019)
    unemp = rows[("城镇调查失业率", "%")]
    assert (unemp["change"], unemp["qualifier_from"], unemp["qualifier_to"]) == (
        "changed", "at_most", "about")
    assert rows[("城镇新增就业", "人")]["change"] == "continued"
    assert rows[("居民消费价格涨幅", "%")]["change"] == "continued"
    # 地方专项债券 (2018) and 地方政府专项债券 (2019) pair through rules/compare.toml
    assert rows[("地方专项债券", "元")]["change"] == "changed"
    assert {r["change"] for r in d.iter_rows(named=True)} <= {"new", "dropped", "changed",
                                                              "continued"}
    assert all(k.startswith("slogan:") for k in d.filter(pl.col("kind") == "slogan")["key"])


def test_judge_follows_the_qualifier():
    assert judge("about", 7.0, None, 6.9, "%", "higher")[0] == "met"
    assert judge("about", 7.0, None, 6.5, "%", "higher")[0] == "partly"
    assert judge("at_least", 1e7, None, 9e6, "人", "higher")[0] == "partly"  # 10% short
    assert judge("at_least", 1e7, None, 8.5e6, "人", "higher")[0] == "missed"
    assert judge("at_most", 3.0, None, 2.0, "%", "lower")[0] == "met"
    assert judge("at_most", 3.0, None, 4.0, "%", "lower")[0] == "missed"
    assert judge("range", 6.5, 7.0, 6.7, "%", "higher")[0] == "met"
    assert judge("range", 6.5, 7.0, 6.3, "%", "higher")[0] == "partly"
    assert judge("about", 3.0, None, 2.0, "%", "lower")[0] == "met"       # CPI under its target
    assert judge("about", 3.0, None, 2.0, "%", None)[0] == "missed"       # no direction known
    assert judge("about", 3.0, None, None, "%", "lower")[0] == "no result found"
    # Reasons give amounts as the reports write them, points for percentages.
    assert judge("exact", 1777e8, None, 594e8, "元", None)[2] == "1183亿 元 off the target"
    assert judge("at_least", 1e7, None, 9e6, "人", "higher")[2] == "100万 人 below the floor"
    assert judge("about", 7.0, None, 6.5, "%", "higher")[2] == "0.5 points off the target"


def test_keys_are_normalised_not_exact_strings():
    assert compare_key("全市地区生产总值增长", "%", "economy") == "国内生产总值增长"
    assert compare_key("新增学位", "个", "education") == compare_key("学位", "个", "education")
    assert compare_key("投资", "元", "investment") == "investment/投资"


def test_cli_track_and_diff_write_the_contract(gwr_13_19, tmp_path):
    runner = CliRunner()
    out = tmp_path / "cmp"
    r = runner.invoke(app, ["track", str(gwr_13_19), "--doc-id", "gwr_{year}", "--out",
                            str(out), "--key", "国内生产总值增长", "-f", "csv", "-f", "jsonl"])
    assert r.exit_code == 0, r.output
    assert "国内生产总值增长" in r.output and "met" in r.output
    tr = pl.read_csv(out / "track.csv")
    assert tuple(tr.columns[:len(COLUMN_ORDER["track"])]) == COLUMN_ORDER["track"]
    assert list(tr.columns) == list(TRACK_SCHEMA)
    assert (out / "track.jsonl").exists()
    r = runner.invoke(app, ["diff", str(gwr_13_19), "--doc-id", "gwr_{year}", "--from", "2018",
                            "--to", "2019", "--locality", "全国", "--out", str(out)])
    assert r.exit_code == 0, r.output
    d = pl.read_csv(out / "diff.csv")
    assert tuple(d.columns[:len(COLUMN_ORDER["diff"])]) == COLUMN_ORDER["diff"]
    assert "changed" in r.output
    r = runner.invoke(app, ["diff", str(gwr_13_19), "--from", "2018"])
    assert r.exit_code == 2


def test_cli_reads_extraction_folders(gwr_13_19, tmp_path):
    runner = CliRunner()
    ext = tmp_path / "ext"
    r = runner.invoke(app, ["extract", str(gwr_13_19), "--doc-id", "gwr_{year}", "--out",
                            str(ext), "-q"])
    assert r.exit_code == 0, r.output
    assert read_extraction(ext)["commitments"].height > 100
    out = tmp_path / "cmp"
    r = runner.invoke(app, ["track", str(ext), "--key", "国内生产总值增长", "--out", str(out)])
    assert r.exit_code == 0, r.output
    tr = pl.read_csv(out / "track.csv").filter(pl.col("year") == 2016)
    assert (tr["pledged_value"][0], tr["pledged_value_max"][0], tr["achieved_value"][0],
            tr["status"][0]) == (6.5, 7.0, 6.7, "met")
    # two folders: --a / --b with a year picked inside each
    r = runner.invoke(app, ["diff", "--a", str(ext), "--b", str(ext), "--from", "2018", "--to",
                            "2019", "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    d = pl.read_csv(out / "diff.csv")
    gdp = d.filter(pl.col("key") == "国内生产总值增长").row(0, named=True)
    assert (gdp["change"], gdp["value_from"], gdp["value_to"]) == ("changed", 6.5, 6.0)


def test_a_decline_answers_a_growth_pledge_as_a_negative_result(tmp_path):
    from tracker.compare import track
    from tracker.pipeline import run

    (tmp_path / "a.txt").write_text(
        "临朐县2024年政府工作报告\n今年全县固定资产投资增长3%。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(
        "临朐县2025年政府工作报告\n过去一年，全县固定资产投资下降4.3%。\n", encoding="utf-8")
    c = run([tmp_path]).tables["commitments"]
    t = track(c).filter(pl.col("key") == "固定资产投资增长")
    assert t.select("year", "pledged_value", "achieved_value", "status").rows() == [
        (2024, 3.0, -4.3, "missed")]
