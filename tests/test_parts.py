"""Parallel reading: the input cut into parts that worker processes read
(:func:`tracker.documents.input_parts`, :func:`~tracker.documents.read_part`,
:class:`~tracker.documents.DocIds`) gives exactly what the one-process reader
:func:`~tracker.documents.read_inputs` gives, and a run with workers the same
tables as a run without."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import PROJECT_ROOT
from tracker.cache import Cache
from tracker.documents import DocIds, input_parts, read_inputs, read_part
from tracker.model import Document, InputError
from tracker.pipeline import run

SEEDS = PROJECT_ROOT / "seeds"


def _by_parts(paths: list[Path], template: str | None = None, **cut) -> list:
    """What a parallel run reads, in one process: parts, then the id check."""
    ids = DocIds()
    out: list = []
    for part in input_parts(paths, doc_id_template=template, **cut):
        for file, item in read_part(part, template):
            if isinstance(item, Document) and file is not None:
                item = ids.refuse(item.doc_id, item.path, file) or item
            out.append(item)
    return out


def _line(obj: dict) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode() + b"\n"


def _corpus(tmp_path: Path) -> Path:
    """Files with every kind of problem the readers report, and duplicates."""
    d = tmp_path / "corpus"
    d.mkdir()
    seed = (SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[0]).read_text(encoding="utf-8")
    lines = [
        codecs.BOM_UTF8 + _line({"id": "a", "text": "新建学校3所。", "year": 2021}),
        b"\n",
        b"   \n",
        b"not json\n",
        b"[1, 2]\n",
        _line({"id": "b", "text": ""}),
        b"\xff\xfe bad utf-8\n",
        _line({"id": "c", "text": "全市生产总值增长6%。\r\n新增就业1200人。", "year": "二〇"}),
        _line({"text": "没有编号的文档，新建公园2个。"}),
        _line({"id": "a", "text": "重复的编号，新建道路5条。"}),  # duplicate of line 1
        _line({"id": "long", "text": seed, "title": "某县政府工作报告"}),
    ]
    last = _line({"id": "last", "text": "末行，新建3所"})[:-1]  # no final line break
    (d / "a.jsonl").write_bytes(b"".join(lines) + last)
    (d / "b.jsonl").write_bytes(b"\n  \n\n")  # only blank lines
    (d / "c.jsonl").write_bytes(b"")
    (d / "d.txt").write_text("重复？新建学校3所。", encoding="utf-8")
    (d / "e.txt").write_text(seed, encoding="utf-8")
    (d / "f.png").write_bytes(b"\x89PNG")
    (d / "g.jsonl").write_bytes(_line({"id": "d", "text": "与 d.txt 同名的编号，新建3所。"}))
    sub = d / "sub"
    sub.mkdir()
    (sub / "manifest.csv").write_text("file,doc_id,year\nx.txt,d,2020\ny.txt,y1,bad\n",
                                      encoding="utf-8")
    (sub / "x.txt").write_text("清单给了重复的编号 d。", encoding="utf-8")
    (sub / "y.txt").write_text("新建公园2个。", encoding="utf-8")
    return d


def _key(item: Document | InputError) -> tuple:
    return (type(item).__name__, repr(item))


def test_parts_read_as_the_one_process_reader(tmp_path: Path) -> None:
    d = _corpus(tmp_path)
    want = [_key(x) for x in read_inputs([d, d / "a.jsonl", tmp_path / "missing"])]
    assert sum(k[0] == "InputError" for k in want) >= 10
    assert any("duplicate doc_id 'a'" in k[1] for k in want)
    for cut in ({}, {"part_bytes": 1}, {"part_bytes": 40, "part_files": 1},
                {"part_bytes": 10_000, "part_files": 2}):
        got = [_key(x) for x in _by_parts([d, d / "a.jsonl", tmp_path / "missing"], **cut)]
        assert got == want, cut


def test_parts_with_a_template(tmp_path: Path) -> None:
    d = _corpus(tmp_path)
    for template in ("{stem}-{line}", "{year}", "{id}"):
        want = [_key(x) for x in read_inputs([d], doc_id_template=template)]
        assert [_key(x) for x in _by_parts([d], template, part_bytes=30)] == want


def test_jsonl_cut_at_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"".join(_line({"id": str(i), "text": "新建" * (i % 7 + 1)})
                              for i in range(200)))
    parts = list(input_parts([path], part_bytes=500))
    assert len(parts) > 10
    pieces = [p for part in parts for p in part]
    assert pieces[0].start == 0 and pieces[-1].end == path.stat().st_size
    data = path.read_bytes()
    for a, b in zip(pieces, pieces[1:], strict=False):
        assert a.end == b.start and data[a.end - 1:a.end] == b"\n"
        assert b.first_line == data.count(b"\n", 0, b.start) + 1


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.one_of(
    st.builds(lambda t, i: _line({"id": i, "text": t}),
              st.text(min_size=0, max_size=30), st.text(max_size=4)),
    st.binary(max_size=20),
    st.sampled_from([b"\n", b"\r\n", b"  \n", codecs.BOM_UTF8])), max_size=25),
    part_bytes=st.integers(min_value=1, max_value=200))
def test_any_jsonl_bytes_read_the_same_in_parts(tmp_path_factory, lines, part_bytes) -> None:
    path = tmp_path_factory.mktemp("j") / "x.jsonl"
    path.write_bytes(b"".join(lines))
    want = [_key(x) for x in read_inputs([path])]
    assert [_key(x) for x in _by_parts([path], part_bytes=part_bytes)] == want


def test_workers_give_the_tables_of_one_process(tmp_path: Path) -> None:
    d = _corpus(tmp_path)
    one = run([d], jobs=1)
    two = run([d], jobs=2)
    for name in one.tables:
        assert one.tables[name].equals(two.tables[name]), name
    assert one.tables["documents"].height >= 8
    # With a cache: stored by the workers, then read by them; duplicates are
    # refused whether or not their result came from the cache.
    first = run([d], jobs=2, cache=Cache(tmp_path / "cache"))
    again = run([d], jobs=2, cache=Cache(tmp_path / "cache"))
    assert again.cache_hits == one.tables["documents"].height
    for name in one.tables:
        assert first.tables[name].equals(one.tables[name]), name
        assert again.tables[name].equals(one.tables[name]), name


def test_manifest_notices_and_files_given_by_themselves_read_the_same_in_parts(
        tmp_path: Path) -> None:
    d = tmp_path / "reports"
    sub = d / "datong"
    sub.mkdir(parents=True)
    for folder, name, head in ((d, "a.txt", "湟源县2024年政府工作报告"),
                               (d, "b.txt", "政府工作报告"),
                               (sub, "c.txt", "政府工作报告")):
        (folder / name).write_text(f"{head}\n今年新建学校3所。\n", encoding="utf-8")
    (sub / "d.jsonl").write_bytes(_line({"text": "新建公园2个。"}) + _line({"text": "新建3所"}))
    (d / "manifest.csv").write_text(
        "file,locality,year\na.txt,杭洲市,2024\nb.txt,西宁市,bad\n"
        "datong/c.txt,西宁市,2019\ngone.txt,西宁市,2019\n", encoding="utf-8")
    (sub / "manifest.csv").write_text(
        "file,locality\nc.txt,西宁市大通县\nd.jsonl,城中区\n", encoding="utf-8")
    for paths in ([d], [d / "b.txt", sub / "c.txt", d], [sub / "d.jsonl", d / "a.txt"]):
        for template in (None, "{stem}-{line}"):
            want = [_key(x) for x in read_inputs(paths, doc_id_template=template)]
            assert sum("stage='notice'" in k[1] for k in want) >= 1, paths
            for cut in ({}, {"part_bytes": 1}, {"part_bytes": 40, "part_files": 1}):
                got = [_key(x) for x in _by_parts(paths, template, **cut)]
                assert got == want, (paths, template, cut)


def test_a_line_cut_in_a_string_reads_the_same_in_parts(tmp_path: Path) -> None:
    # Parsed with its line break, '"' gave another JSON error than in a piece.
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"text": "\xe6\x96\xb0\xe5\xbb\xba3\n"\n')
    want = [_key(x) for x in read_inputs([path])]
    assert "Unterminated string" in want[0][1]
    assert [_key(x) for x in _by_parts([path], part_bytes=1)] == want
