from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


def normalised_seed_texts() -> list[str]:
    """The seeds' normalised texts, in file order (the text the shortcuts run on)."""
    from tracker.normalize import normalise

    return [normalise(p.read_text(encoding="utf-8")).text for p in sorted(SEEDS.glob("*.txt"))]


def seed_text(prefix: str) -> str:
    """The text of the seed whose file name starts with ``prefix`` ("002")."""
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def national_jsonl() -> Path:
    """The State Council reports corpus from ../shared (skips when absent)."""
    p = SHARED / "corpora" / "gwr_national_1954_2019.jsonl"
    if not p.exists():
        pytest.skip(f"{p} not found: the national corpus lives in ../shared")
    return p
