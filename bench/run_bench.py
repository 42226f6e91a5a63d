"""Throughput benchmark: the real ``tracker extract`` over a synthetic 100+ MB corpus.

    PYTHONPATH=. python bench/run_bench.py                 # 110 MB, all cores
    PYTHONPATH=. python bench/run_bench.py --mb 300 --jobs 2 --ref-mb 8

1. Builds (once, reused if present) a corpus of distinct documents from the
   real texts in /work/shared (the national work reports JSONL and the seeds):
   each document is a random stretch of a source's paragraphs, shuffled, with
   every number perturbed and every year shifted, under a new id — so no two
   documents are alike and no cache could help.  Written as JSONL files.
2. Runs ``python -m tracker.cli extract CORPUS --no-cache --jobs N`` (or
   ``report`` with ``--report``) and
   reports MB/s (UTF-8 bytes of document text), documents/s and peak memory:
   the sampled sum of RSS over the process tree, and ``ru_maxrss`` of the
   largest child (``getrusage(RUSAGE_CHILDREN)``).
3. Times ``jionlp.ner.extract_money`` (money only, paragraph by paragraph) and
   ``cn2an.transform(text, "cn2an")`` over the first ``--ref-mb`` MB of the same
   documents, single process, and prints the ratios (total and per core).

Needs ``pip install 'tracker[bench]'`` (jionlp, psutil); not part of the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TRACKER_SHARED", "/work/shared"))
_NUM = re.compile(r"(?<![\d.])(\d+)(\.\d+)?")
_YEAR = re.compile(r"((?:19|20)\d\d)(?=\s*年)")


def sources() -> list[tuple[str, str]]:
    """(title, text) of every real document available."""
    out = []
    jsonl = SHARED / "corpora" / "gwr_national_1954_2019.jsonl"
    if jsonl.exists():
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            out.append((d.get("title") or "", d.get("content") or d.get("text") or ""))
    seeds = SHARED / "seeds" if (SHARED / "seeds").exists() else ROOT / "seeds"
    for p in sorted(seeds.glob("*.txt")):
        out.append(("", p.read_text(encoding="utf-8")))
    return [(t, x) for t, x in out if x.strip()]


def _perturb(text: str, rng: random.Random, shift: int) -> str:
    text = _YEAR.sub(lambda m: str(int(m.group(1)) + shift), text)

    def num(m: re.Match) -> str:
        if len(m.group(1)) == 4 and m.group(1)[:2] in ("19", "20"):
            return m.group(0)  # a year: already shifted
        n = int(m.group(1))
        n = max(1, n + rng.randint(-n // 5 - 1, n // 5 + 1))
        frac = m.group(2)
        if frac:
            frac = "." + "".join(rng.choice("0123456789") for _ in frac[1:])
        return f"{n}{frac or ''}"

    return _NUM.sub(num, text)


def build_corpus(directory: Path, mb: float, seed: int = 9) -> tuple[int, int]:
    """Write ``mb`` MB of distinct documents as JSONL files; (documents, bytes)."""
    rng = random.Random(seed)
    src = sources()
    # Seeds are local texts (locality attribution, slogans); weight them up.
    weights = [1.0 if len(x) > 20_000 else 6.0 for _, x in src]
    directory.mkdir(parents=True, exist_ok=True)
    target = int(mb * 1e6)
    total = docs = part = 0
    fh = None
    while total < target:
        if fh is None or fh.tell() > 16e6:
            if fh:
                fh.close()
            fh = (directory / f"part-{part:03d}.jsonl").open("w", encoding="utf-8")
            part += 1
        title, text = rng.choices(src, weights)[0]
        pars = [p for p in text.split("\n") if p.strip()]
        if len(pars) > 40:  # a county-report-sized stretch
            n = rng.randint(30, min(len(pars), 300))
            i = rng.randint(0, len(pars) - n)
            pars = pars[i:i + n]
        head, body = pars[:2], pars[2:]
        rng.shuffle(body)
        shift = rng.randint(-3, 3)
        doc_text = _perturb("\n".join(head + body), rng, shift)
        doc = {"id": f"bench-{docs:06d}", "title": _perturb(title, rng, shift),
               "text": doc_text}
        fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
        docs += 1
        total += len(doc_text.encode("utf-8"))
    if fh:
        fh.close()
    (directory / ".corpus.json").write_text(json.dumps({"docs": docs, "bytes": total}))
    return docs, total


def _sample_rss(pid: int, peak: list[float], stop: threading.Event) -> None:
    import psutil

    try:
        proc = psutil.Process(pid)
    except psutil.Error:
        return
    while not stop.is_set():
        try:
            procs = [proc, *proc.children(recursive=True)]
            rss = 0
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss
            peak[0] = max(peak[0], rss)
        except psutil.Error:
            pass
        stop.wait(0.2)  # memory stays flat; sampling more often costs the run CPU


def run_tracker(corpus: Path, jobs: int, extra: list[str],
                verb: str = "extract") -> tuple[float, float, int]:
    """Wall seconds, peak tree RSS (bytes), and the command's exit code."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "tracker.cli", verb, str(corpus), "--out", out,
               "--no-cache", "--jobs", str(jobs), "--quiet", *extra]
        print("$ " + " ".join(cmd), flush=True)
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT)
        peak = [0.0]
        stop = threading.Event()
        th = threading.Thread(target=_sample_rss, args=(proc.pid, peak, stop), daemon=True)
        th.start()
        rc = proc.wait()
        wall = time.perf_counter() - t0
        stop.set()
        th.join()
        errors = Path(out, "errors.csv")
        if errors.exists():
            lines = errors.read_text(encoding="utf-8").splitlines()[1:]
            if lines:
                print(f"{len(lines)} error rows, e.g.: " + " | ".join(lines[:3]))
        return wall, peak[0], rc


def reference_texts(corpus: Path, mb: float) -> list[str]:
    out, total = [], 0
    for p in sorted(corpus.glob("*.jsonl")):
        with p.open(encoding="utf-8") as fh:
            for line in fh:
                t = json.loads(line)["text"]
                out.append(t)
                total += len(t.encode("utf-8"))
                if total >= mb * 1e6:
                    return out
    return out


def time_reference(texts: list[str]) -> dict[str, float]:
    """MB/s of jionlp.ner.extract_money and cn2an.transform over ``texts``."""
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    out = {}
    import cn2an
    import jionlp

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    for t in texts:
        for par in t.split("\n"):
            if par.strip():
                jionlp.ner.extract_money(par)
    out["jionlp.ner.extract_money"] = size / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for t in texts:
        cn2an.transform(t, "cn2an")
    out["cn2an.transform"] = size / (time.perf_counter() - t0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=110, help="corpus size in MB of UTF-8 text")
    ap.add_argument("--jobs", type=int, default=0, help="tracker --jobs (0 = all cores)")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "tracker-bench")
    ap.add_argument("--ref-mb", type=float, default=16,
                    help="MB timed for jionlp/cn2an (16: less noise than a few MB)")
    ap.add_argument("--no-reference", action="store_true", help="skip jionlp and cn2an")
    ap.add_argument("--report", action="store_true",
                    help="run tracker report (extraction plus by_locality, "
                         "slogans_by_locality and track) instead of tracker extract")
    ap.add_argument("extra", nargs="*", help="more tracker extract options (after --)")
    args = ap.parse_args()

    corpus = args.workdir / f"corpus-{args.mb:g}mb"
    meta = corpus / ".corpus.json"
    if (corpus / "corpus.json").exists():  # older layout: the reader would skip-report it
        (corpus / "corpus.json").rename(meta)
    if meta.exists():
        info = json.loads(meta.read_text())
        docs, size = info["docs"], info["bytes"]
    else:
        t0 = time.perf_counter()
        docs, size = build_corpus(corpus, args.mb)
        print(f"built {corpus}: {docs} documents in {time.perf_counter() - t0:.1f}s")
    jobs = args.jobs or os.cpu_count() or 1
    mb = size / 1e6
    print(f"corpus: {docs} documents, {mb:.1f} MB UTF-8 text; jobs={jobs}, "
          f"cores={os.cpu_count()}")
    verb = "report" if args.report else "extract"
    wall, peak, rc = run_tracker(corpus, jobs, args.extra, verb)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = usage.ru_maxrss * 1024
    cpu = usage.ru_utime + usage.ru_stime
    rate = mb / wall
    print(f"tracker {verb}: {wall:.1f}s  {rate:.2f} MB/s  ({rate / jobs:.2f} MB/s per core)  "
          f"{docs / wall:.0f} documents/s  exit {rc}")
    print(f"CPU time {cpu:.1f}s: {mb / cpu:.2f} MB per CPU-second (robust to other load; "
          f"load average now {os.getloadavg()[0]:.1f})")
    print(f"peak RSS: {peak / 2**20:.0f} MiB process tree (sampled sum), "
          f"{child / 2**20:.0f} MiB largest single process (ru_maxrss)")
    if not args.no_reference:
        ref = time_reference(reference_texts(corpus, args.ref_mb))
        for name, r in ref.items():
            print(f"{name}: {r:.2f} MB/s (1 process, {args.ref_mb:g} MB)  ->  tracker is "
                  f"{rate / r:.2f}x its throughput ({rate / jobs / r:.2f}x per core)")
    return rc


if __name__ == "__main__":
    sys.exit(main())
