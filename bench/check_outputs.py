"""Guard for optimisations: extraction outputs must not change.

Runs the real ``tracker extract`` on the bundled seeds and on the national
work-report JSONL (``--doc-id 'gwr_{year}'``), cache disabled, and either saves
the CSVs as a reference or compares them byte for byte with a saved reference:

    python bench/check_outputs.py save /tmp/ref        # before a change
    python bench/check_outputs.py compare /tmp/ref     # after it: exit 1 on any difference

Extra options are passed to ``tracker extract`` (e.g. ``--jobs 2``).
"""

from __future__ import annotations

import filecmp
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path("/work/shared")
RUNS = {
    "seeds": [str(SHARED / "seeds") if (SHARED / "seeds").exists() else str(ROOT / "seeds")],
    "national": [str(SHARED / "corpora" / "gwr_national_1954_2019.jsonl"),
                 "--doc-id", "gwr_{year}"],
}
FILES = ("commitments.csv", "slogans.csv", "expansions.csv", "documents.csv", "errors.csv")


def extract(out: Path, extra: list[str]) -> None:
    for name, args in RUNS.items():
        cmd = [sys.executable, "-m", "tracker.cli", "extract", *args, "--out", str(out / name),
               "--quiet", "--no-cache", *extra]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("save", "compare"):
        print(__doc__)
        return 2
    mode, ref, extra = argv[0], Path(argv[1]), argv[2:]
    if mode == "save":
        extract(ref, extra)
        print(f"saved reference outputs to {ref}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        extract(Path(tmp), extra)
        bad = []
        for name in RUNS:
            for f in FILES:
                a, b = ref / name / f, Path(tmp) / name / f
                same = a.exists() == b.exists() and (
                    not a.exists() or filecmp.cmp(a, b, shallow=False))
                if not same:
                    bad.append(f"{name}/{f}")
    if bad:
        print("DIFFERENT: " + ", ".join(bad))
        return 1
    print("identical: " + ", ".join(f"{n}/{f}" for n in RUNS for f in FILES))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
