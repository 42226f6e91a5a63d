"""Tests for tracker.html_report: content, self-containment, atomic write, real rendering."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from tests._sample_tables import sample_tables
from tracker import html_report
from tracker.html_report import render_html, write_html

EXTERNAL = re.compile(r"""(?:src|href|action|data)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.I)


@pytest.fixture
def tables() -> dict[str, pl.DataFrame]:
    return sample_tables()


def test_page_has_localities_quotes_and_anchors(tables) -> None:
    page = render_html(tables, title="山西 & 全国 报告")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>山西 &amp; 全国 报告</title>" in page
    for loc in ("长治市上党区", "全国", "太原市"):
        assert loc in page
    assert "新建6个社区养老服务中心" in page
    assert "国内生产总值增长6.5%－7%" in page
    # every commitment row has its anchor, and summary cells link to anchors
    assert 'id="c-002_179a9739007a0764-1204"' in page
    assert 'id="c-gwr_2016-2310"' in page
    assert 'href="#c-002_179a9739007a0764-' in page
    assert 'id="s-gwr_2017-2100"' in page
    # range values are shown as ranges, qualifiers as marks
    assert "6.5–7%" in page and "≥3,000 人" in page


def test_quotes_are_escaped(tables) -> None:
    page = render_html(tables)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script>") == 1  # only the report's own inline script


def test_heat_map_cells(tables) -> None:
    page = render_html(tables)
    assert 'id="heatmap"' in page
    # 放管服: 5 mentions in 2017 (gwr_2017), the darkest cell
    assert 'title="放管服 · 2017: 5"' in page
    assert 'title="三去一降一补 · 2016: 4"' in page
    cells = re.findall(r'<td class="h" style="background:#[0-9a-f]{6};color:#[0-9a-f]+"', page)
    assert len(cells) == 7  # slogan-year pairs with mentions
    # heat map rows are ordered by total mentions
    assert page.index('<th class="slogan">放管服') < page.index('<th class="slogan">六稳六保')


def test_heat_map_is_capped(tables) -> None:
    many = pl.DataFrame(
        {
            "slogan": [f"口号{i:02d}" for i in range(45)],
            "locality": ["全国"] * 45,
            "year": [2020] * 45,
            "count": list(range(45, 0, -1)),
            "documents": [1] * 45,
        }
    )
    page = render_html({**tables, "slogans_by_locality": many})
    assert page.count('<th class="slogan">') == html_report.HEATMAP_SLOGANS
    assert "口号00" in page and "口号44" not in page.split('id="heatmap"')[1].split("</section>")[0]


def test_category_bars_and_track_chart(tables) -> None:
    page = render_html(tables)
    cat = page.split('id="categories"')[1].split("</section>")[0]
    assert cat.count("<rect") == 5  # economy pledge+achievement, employment, education, elderly
    assert "economy · pledge: 2" in cat
    track = page.split('id="track"')[1].split("</section>")[0]
    assert "全国 · 国内生产总值增长|%" in track
    assert "<svg" in track and "<circle" in track
    assert "exceeded" in track and "pending" in track
    # the marks link to the quoted commitments
    assert 'href="#c-gwr_2017-120"' in track  # the 6.7% result quoted in gwr_2017


def test_without_track_and_with_empty_tables() -> None:
    tables = sample_tables()
    del tables["track"]
    page = render_html(tables)
    assert 'id="track"' not in page
    empty = {name: df.clear() for name, df in sample_tables().items()}
    page = render_html(empty)
    assert "No commitments in this run." in page
    assert page.rstrip().endswith("</html>")
    assert render_html({}).rstrip().endswith("</html>")


def test_no_external_resources(tables) -> None:
    page = render_html(tables)
    assert not EXTERNAL.search(page)
    assert "http://" not in page and "https://" not in page
    assert "@import" not in page and "url(" not in page
    assert "<link" not in page


def test_write_html_is_atomic(tmp_path: Path, tables, monkeypatch) -> None:
    out = tmp_path / "reports" / "report.html"
    assert write_html(tables, out) == out
    old = out.read_bytes()
    assert "长治市上党区" in old.decode("utf-8")

    def broken_write_text(self, *args, **kwargs):
        Path.write_bytes(self, b"<!DOCTYPE html><html><body>half")
        raise OSError("no space left on device")

    monkeypatch.setattr(Path, "write_text", broken_write_text)
    with pytest.raises(OSError):
        write_html({"commitments": tables["commitments"].head(1)}, out)
    assert out.read_bytes() == old
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.html"]


def test_render_is_deterministic(tables) -> None:
    assert render_html(tables) == render_html(sample_tables())


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [
        CHROMIUM or "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1280,2000",
        *extra,
        url,
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=180, check=False)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_renders_in_headless_chromium(tmp_path: Path, tables) -> None:
    page = write_html(tables, tmp_path / "report.html")
    url = page.resolve().as_uri()

    dom = _chromium(tmp_path, url, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html_text = dom.stdout
    assert "长治市上党区" in html_text and "新建6个社区养老服务中心" in html_text
    assert 'id="c-002_179a9739007a0764-1204"' in html_text
    assert 'title="放管服 · 2017: 5"' in html_text
    assert "<svg" in html_text

    shot_dir = Path(os.environ.get("TRACKER_SCREENSHOT_DIR", tmp_path))
    shot_dir.mkdir(parents=True, exist_ok=True)
    png = shot_dir / "report.png"
    png.unlink(missing_ok=True)
    res = _chromium(tmp_path, url, f"--screenshot={png}")
    assert res.returncode == 0, res.stderr[-2000:]
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 2000)
    assert len(data) > 30_000  # a blank page compresses to a few kB


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_clicking_a_summary_cell_filters_the_quotes(tmp_path: Path, tables) -> None:
    page = render_html(tables)
    click = (
        "<script>document.querySelector('#by-locality a[data-f*=\"category=elderly\"]')"
        ".click();</script></body>"
    )
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", click), encoding="utf-8")
    dom = _chromium(tmp_path, probe.resolve().as_uri(), "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    table = dom.stdout.split('id="commitments-table"')[1].split("</table>")[0]
    rows = re.findall(r"<tr [^>]*>", table)
    visible = [r for r in rows if "hidden" not in r]
    assert len(rows) == tables["commitments"].height
    assert len(visible) == 1 and 'id="c-002_179a9739007a0764-1204"' in visible[0]
    assert "Showing 1 rows where locality = 长治市上党区, category = elderly" in dom.stdout
