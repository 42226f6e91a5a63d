"""Scores on the shared gold: the floor the extractor must not fall below."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SEEDS, SHARED
from tracker.cli import app
from tracker.evaluate import evaluate

GOLD = SHARED / "gold"


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory) -> Path:
    if not (GOLD / "seeds_commitments.csv").exists():
        pytest.skip("../shared/gold not found")
    out = tmp_path_factory.mktemp("seeds")
    r = CliRunner().invoke(app, ["extract", str(SEEDS), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    return out


def test_seed_commitments(seeds_out):
    s = evaluate(GOLD / "seeds_commitments.csv", seeds_out)
    assert s.recall >= 0.9, s.summary()
    assert s.f1 >= 0.8, s.summary()
    assert s.accuracy["locality"] >= 0.9 and s.accuracy["kind"] >= 0.9, s.summary()


def test_seed_slogans(seeds_out):
    s = evaluate(GOLD / "seeds_slogans.csv", seeds_out)
    assert s.f1 >= 0.9, s.summary()


def test_national_reports(national_jsonl, tmp_path):
    out = tmp_path / "gwr"
    r = CliRunner().invoke(app, ["extract", str(national_jsonl), "--doc-id", "gwr_{year}",
                                 "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    s = evaluate(GOLD / "gwr_national_2014_2019.csv", out, scope="para")
    assert s.recall >= 0.95 and s.precision >= 0.85, s.summary()
    assert s.accuracy["kind"] >= 0.9 and s.accuracy["year"] >= 0.9, s.summary()
    assert s.accuracy["locality"] == 1.0
