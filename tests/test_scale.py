"""Corpus-scale running: cache, determinism across worker counts, Dask equivalence."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from tracker import PROJECT_ROOT
from tracker.cache import Cache, fingerprint
from tracker.pipeline import run
from tracker.writers import write_tables

SEEDS = PROJECT_ROOT / "seeds"


def _equal(a, b) -> None:
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        assert a.tables[name].equals(b.tables[name]), name


@pytest.fixture(scope="module")
def baseline():
    return run([SEEDS], jobs=1)


def test_cache_miss_then_hit(tmp_path, baseline):
    cache = Cache(tmp_path / "cache")
    first = run([SEEDS], jobs=1, cache=cache)
    n = baseline.tables["documents"].height
    assert first.cache_hits == 0
    assert len(list((tmp_path / "cache").rglob("*.json.gz"))) == n
    second = run([SEEDS], jobs=1, cache=Cache(tmp_path / "cache"))
    assert second.cache_hits == n
    _equal(first, baseline)
    _equal(second, baseline)


def test_cache_hit_survives_a_moved_corpus(tmp_path, baseline):
    run([SEEDS], cache=Cache(tmp_path / "cache"), jobs=1)
    moved = tmp_path / "elsewhere"
    shutil.copytree(SEEDS, moved)
    res = run([moved], cache=Cache(tmp_path / "cache"), jobs=1)
    fresh = run([moved], jobs=1)
    assert res.cache_hits == baseline.tables["documents"].height
    _equal(res, fresh)  # paths are the new ones


def test_rule_change_invalidates(tmp_path, monkeypatch):
    rules = tmp_path / "rules"
    shutil.copytree(PROJECT_ROOT / "rules", rules)
    monkeypatch.setenv("TRACKER_RULES", str(rules))
    before = fingerprint()
    run([SEEDS], jobs=1, cache=Cache(tmp_path / "cache"))
    assert run([SEEDS], jobs=1, cache=Cache(tmp_path / "cache")).cache_hits > 0
    with (rules / "units.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n# edited\n")
    assert fingerprint() != before
    again = Cache(tmp_path / "cache")
    assert run([SEEDS], jobs=1, cache=again).cache_hits == 0
    assert again.prune() == 1  # the old rules' entries
    assert run([SEEDS], jobs=1, cache=Cache(tmp_path / "cache")).cache_hits > 0


def test_corrupt_entries_are_misses(tmp_path, baseline):
    run([SEEDS], jobs=1, cache=Cache(tmp_path / "cache"))
    entries = sorted((tmp_path / "cache").rglob("*.json.gz"))
    entries[0].write_bytes(b"not gzip")
    entries[1].write_bytes(entries[1].read_bytes()[:20])  # truncated
    entries[2].write_bytes(b"")
    res = run([SEEDS], jobs=1, cache=Cache(tmp_path / "cache"))
    assert res.cache_hits == len(entries) - 3
    _equal(res, baseline)
    # The bad entries were rewritten.
    assert run([SEEDS], jobs=1, cache=Cache(tmp_path / "cache")).cache_hits == len(entries)


def test_unwritable_cache_is_harmless(tmp_path, baseline):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = run([SEEDS], jobs=1, cache=Cache(blocker / "cache"))  # cannot mkdir under a file
    _equal(res, baseline)


def test_jobs_do_not_change_output(tmp_path, baseline):
    _equal(run([SEEDS], jobs=2), baseline)
    _equal(run([SEEDS], jobs=2, cache=Cache(tmp_path / "c")), baseline)  # workers write
    _equal(run([SEEDS], jobs=2, cache=Cache(tmp_path / "c")), baseline)  # parent reads


def test_two_runs_write_identical_files(tmp_path):
    outs = []
    for i in (1, 2):
        out = tmp_path / f"out{i}"
        write_tables(dict(run([SEEDS], jobs=i).tables), out, ["csv"])
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    assert names
    for name in names:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_dask_local_cluster_matches_single_machine(baseline):
    pytest.importorskip("distributed", reason="dask.distributed not installed: "
                                              "pip install 'tracker[distributed]'")
    from distributed import Client, LocalCluster

    from tracker.distributed import run_dask

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        res = run_dask([SEEDS], scheduler=client, window=2)
    _equal(res, baseline)


def test_cli_cache_flags(tmp_path):
    from typer.testing import CliRunner

    from tracker.cli import app

    runner = CliRunner()
    out = tmp_path / "out"
    r1 = runner.invoke(app, ["extract", str(SEEDS), "--out", str(out), "--jobs", "1"])
    assert r1.exit_code == 0, r1.output
    assert (out / ".tracker-cache").is_dir()
    first = (out / "commitments.csv").read_bytes()
    r2 = runner.invoke(app, ["extract", str(SEEDS), "--out", str(out), "--jobs", "1"])
    assert "from cache" in r2.output
    assert (out / "commitments.csv").read_bytes() == first
    r3 = runner.invoke(app, ["extract", str(SEEDS), "--out", str(tmp_path / "o3"),
                             "--no-cache", "--jobs", "1"])
    assert r3.exit_code == 0
    assert not (tmp_path / "o3" / ".tracker-cache").exists()
    assert (tmp_path / "o3" / "commitments.csv").read_bytes() == first
    assert not Path(tmp_path / "o3" / ".tracker-cache").exists()


# ----------------------------------------------------------------- spilled runs


def test_spilled_run_gives_the_in_memory_tables(tmp_path, baseline, monkeypatch):
    from tracker import pipeline

    monkeypatch.setattr(pipeline, "FRAME_BATCH_ROWS", 5)  # a batch file every few rows
    for jobs in (1, 2):
        spill = tmp_path / f"spill{jobs}"
        spill.mkdir()
        res = run([SEEDS], jobs=jobs, spill_dir=spill)
        assert all(isinstance(t, pl.LazyFrame) for t in res.tables.values())
        assert len(list(spill.glob("commitments-*.arrow"))) > 1
        for name, table in baseline.tables.items():
            assert res.tables[name].collect().equals(table), name
            assert res.rows[name] == table.height, name


def test_spilled_empty_run_keeps_the_schemas(tmp_path):
    from tracker.tables import COMMITMENTS_SCHEMA

    (tmp_path / "in").mkdir()
    res = run([tmp_path / "in"], spill_dir=tmp_path)
    assert res.tables["commitments"].collect_schema() == COMMITMENTS_SCHEMA
    assert res.tables["commitments"].collect().height == 0
    assert res.rows["documents"] == 0 and res.failed == 0


def _county_reports(folder: Path) -> Path:
    """Three counties' 2024 targets and 2025 reviews (an investment decline answers a
    growth target), and a pair naming no place."""
    folder.mkdir()
    for county, pledge, result, jobs, done in (("临朐县", 6, 6.2, 5000, 5200),
                                              ("湟源县", 7, 6.5, 1200, 1300),
                                              ("平度市", 5.5, 5.6, 8000, 7600)):
        (folder / f"{county}2024.txt").write_text(
            f"{county}2024年政府工作报告\n今年全县地区生产总值增长{pledge}%左右，"
            f"城镇新增就业{jobs}人，固定资产投资增长3%。\n", encoding="utf-8")
        (folder / f"{county}2025.txt").write_text(
            f"{county}2025年政府工作报告\n过去一年，全县地区生产总值增长{result}%，"
            f"城镇新增就业{done}人，固定资产投资下降4.3%。\n", encoding="utf-8")
    (folder / "x2024.txt").write_text("2024年工作要点\n今年地区生产总值增长5%左右。\n",
                                      encoding="utf-8")
    (folder / "x2025.txt").write_text("2025年工作要点\n过去一年，地区生产总值增长5.1%。\n",
                                      encoding="utf-8")
    return folder


def test_track_in_batches_is_track_of_the_whole(tmp_path):
    from tracker.compare import document_years, track, track_in_batches

    t = run([_county_reports(tmp_path / "in")]).tables
    whole = track(document_years(t["commitments"], t["documents"]))
    assert whole.height == 10 and whole["locality"].null_count() == 1
    assert whole.filter(pl.col("locality") == "西宁市湟源县").select(
        "key", "achieved_value", "status").rows() == [
        ("固定资产投资增长", -4.3, "missed"), ("国内生产总值增长", 6.5, "partly"),
        ("城镇新增就业", 1300.0, "met")]
    for batch_rows in (1, 2, 3, 5, 10**6):
        parts = track_in_batches(t["commitments"].lazy(), t["documents"].lazy(),
                                 batch_rows=batch_rows)
        assert parts.equals(whole), batch_rows
    assert track_in_batches(t["commitments"].lazy(), None).equals(track(t["commitments"]))


def test_by_locality_sums_do_not_depend_on_row_order():
    from tracker.tables import by_locality

    seeds = run([SEEDS]).tables["commitments"]
    tenths = seeds.head(3).with_columns(pl.Series("value", [0.1, 0.2, 0.3]),
                                        pl.lit("甲县").alias("locality"))
    c = pl.concat([seeds, tenths])
    expected = by_locality(c)
    # 0.1 + 0.2 + 0.3 is 0.6000000000000001 in floats, in this order.
    assert expected.filter(pl.col("locality") == "甲县")["value_sum"].sum() == 0.6
    for seed in range(3):
        shuffled = c.sample(fraction=1.0, shuffle=True, seed=seed)
        assert by_locality(shuffled).equals(expected)
        assert by_locality(shuffled.lazy()).collect(engine="streaming").equals(expected)


def test_report_leaves_no_spill_files_and_matches_the_in_memory_tables(tmp_path, baseline,
                                                                        monkeypatch):
    from typer.testing import CliRunner

    from tracker import pipeline
    from tracker.cli import app
    from tracker.compare import document_years, track
    from tracker.tables import by_locality, slogans_by_locality

    monkeypatch.setattr(pipeline, "FRAME_BATCH_ROWS", 5)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["report", str(SEEDS), "--out", str(out), "--jobs", "1",
                                 "--no-cache", "-f", "csv", "-f", "sqlite"])
    assert r.exit_code == 0, r.output
    assert not list(out.glob(".tracker-spill-*"))
    t = dict(baseline.tables)
    t["by_locality"] = by_locality(t["commitments"])
    t["slogans_by_locality"] = slogans_by_locality(t["slogans"])
    t["track"] = track(document_years(t["commitments"], t["documents"]))
    write_tables(t, tmp_path / "memory", ["csv"])
    for name in t:
        assert (out / f"{name}.csv").read_bytes() == \
            (tmp_path / "memory" / f"{name}.csv").read_bytes(), name


def test_full_disk_while_spilling_is_one_line_and_keeps_previous_outputs(tmp_path,
                                                                         monkeypatch):
    import errno

    from typer.testing import CliRunner

    from tracker.cli import app

    out = tmp_path / "out"
    args = ["extract", str(SEEDS), "--out", str(out), "--jobs", "1", "--no-cache"]
    assert CliRunner().invoke(app, args).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full(self, path, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_ipc", full)
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("tracker: cannot write ") and ".tracker-spill-" in line
    assert "No space left on device" in line and "free space beside --out" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no spill folder left


def test_spill_folders_of_killed_runs_are_cleared(tmp_path):
    import os
    import socket
    import subprocess
    import sys

    from typer.testing import CliRunner

    from tracker.cli import app

    host = socket.gethostname().replace("-", "_")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out"
    left = {name: out / f".tracker-spill-{name}" for name in (
        f"{host}-{dead.pid}-k1ll3d",         # this host, process gone: cleared
        f"{host}-{os.getpid()}-alive",        # this host, running: kept
        f"other_host-{dead.pid}-remote",      # another machine's: kept
    )}
    for folder in left.values():
        folder.mkdir(parents=True)
        (folder / "commitments-000000.arrow").write_bytes(b"x")
    r = CliRunner().invoke(app, ["extract", str(SEEDS), "--out", str(out), "--jobs", "1",
                                 "--no-cache", "-q"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.glob(".tracker-spill-*")) == sorted(
        p.name for name, p in left.items() if not name.endswith("k1ll3d"))
