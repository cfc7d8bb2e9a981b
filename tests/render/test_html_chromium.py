"""index.html in a real headless Chromium: it loads without console errors, its script runs,
the diagrams are inline SVG and a screenshot is not blank."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tmgen.render import diagram

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's)")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def non_white_pixels(png: bytes) -> int:
    """Counts pixels that are not near-white in an 8-bit RGB(A) PNG (no image library needed)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        body = png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    count = 0
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        ftype, cur = line[0], bytearray(line[1:])
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                cur[i] = (cur[i] + a) & 255
            elif ftype == 2:
                cur[i] = (cur[i] + b) & 255
            elif ftype == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        count += sum(1 for x in range(0, stride, bpp) if min(cur[x], cur[x + 1], cur[x + 2]) < 200)
        prev = cur
    return count


@pytest.mark.skipif(not diagram.dot_available(), reason="Graphviz `dot` is not installed")
def test_report_loads_and_renders(example_builds, tmp_path):
    page = tmp_path / "index.html"
    page.write_bytes(example_builds["multi-account-platform"].files["index.html"])
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == 2 and "http://" not in html.split("<svg", 1)[0]

    shot = tmp_path / "shot.png"
    run = _chromium(
        tmp_path, "--enable-logging=stderr", "--v=0", "--window-size=800,600", f"--screenshot={shot}", page.as_uri()
    )
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console
    assert shot.is_file(), run.stderr[-2000:]
    assert non_white_pixels(shot.read_bytes()) > 5_000

    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert 'data-filters="ready"' in dom  # the filter script ran
    assert "finding(s) shown" in dom


ALERT_HOOK = (
    "<script>window.alert=window.confirm=window.prompt=function(m){var r=document.documentElement;"
    "r.setAttribute('data-ran',(r.getAttribute('data-ran')||'')+'|'+m)};</script>"
)


@pytest.mark.parametrize("model", ["hostile", "nasty"])
def test_no_script_from_the_model_runs(model, hostile_build, nasty_build, tmp_path):
    """The page with alert() recorded on the root element: a control line proves the hook works,
    then nothing from the model may call it (inline handlers, script tags, javascript: links)."""
    html = {"hostile": hostile_build, "nasty": nasty_build}[model].files["index.html"].decode()
    page = tmp_path / "index.html"
    page.write_text(html.replace("<head>", "<head>" + ALERT_HOOK, 1), encoding="utf-8")
    control = tmp_path / "control.html"
    control.write_text(
        html.replace("<head>", "<head>" + ALERT_HOOK, 1).replace("<main>", "<main><script>alert('ctl')</script>", 1),
        encoding="utf-8",
    )
    dump = ["--virtual-time-budget=2000", "--dump-dom"]
    assert 'data-ran="|ctl"' in _chromium(tmp_path, *dump, control.as_uri()).stdout
    dom = _chromium(tmp_path, *dump, page.as_uri()).stdout
    assert 'data-filters="ready"' in dom and 'data-ran="' not in dom


@pytest.mark.skipif(not diagram.dot_available(), reason="Graphviz `dot` is not installed")
def test_diagrams_fit_the_page_until_asked(example_builds, tmp_path):
    """A big architecture is first seen whole; a button shows it at actual size."""
    page = tmp_path / "index.html"
    html = example_builds["multi-account-platform"].files["index.html"].decode()
    probe = (
        "<script>window.addEventListener('load',function(){var d=document.getElementById('architecture-diagram');"
        "var w0=d.querySelector('svg').getBoundingClientRect().width;document.querySelector('button.zoom').click();"
        "var w1=d.querySelector('svg').getBoundingClientRect().width;"
        "document.body.setAttribute('data-widths',(w0<=d.clientWidth)+','+(w1>d.clientWidth))});</script>"
    )
    page.write_text(html.replace("</body>", probe + "</body>"), encoding="utf-8")
    dom = _chromium(
        tmp_path, "--window-size=1200,900", "--virtual-time-budget=2000", "--dump-dom", page.as_uri()
    ).stdout
    assert 'data-widths="true,true"' in dom
