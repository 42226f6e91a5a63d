"""Corpus-scale running: cache, determinism across worker counts, Dask equivalence."""

from __future__ import annotations

import shutil
from pathlib import Path

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
