"""`ropescope validate --report`: the HTML parses cleanly, is self-contained, and every figure is
present and non-blank when headless Chromium (Debian package) renders it.

scripts/test.sh installs Chromium (scripts/setup.sh --with-browser) and sets
ROPESCOPE_REQUIRE_BROWSER=1, so there a missing browser fails; elsewhere the render test skips.
"""
import os

import pytest

from report_checks import assert_figure_pixels, check_html, chromium, render, render_figures
from tiny_gguf import write_tiny_llama

EXPECTED = ["fig-wavelength", "fig-coverage-causal", "fig-coverage-bidirectional", "fig-envelope"]


@pytest.fixture(scope="module")
def report(ropescope, tmp_path_factory):
    directory = tmp_path_factory.mktemp("report")
    path = directory / "report.html"
    result = ropescope("validate", "--preset", "llada-8b", "--target-length", "32k", "--rope", "ntk:factor=8",
                       "--rope", "critical-ntk", "--rope", "diffusion-ntk", "--report", path, check=False)
    assert result.returncode in (0, 1), result.stderr
    return directory, path.read_text(encoding="utf-8")


def test_report_html_is_clean_and_self_contained(report):
    _, html = report
    svgs = check_html(html)
    ids = [s.split('id="', 1)[1].split('"', 1)[0] for s in svgs]
    assert ids == EXPECTED
    assert html.index('id="verdict"') < html.index('id="fig-wavelength"'), "verdict first"
    assert "@media print" in html


def test_report_renders_in_chromium(report):
    if chromium() is None:
        if os.environ.get("ROPESCOPE_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed (scripts/setup.sh --with-browser installs it)")
        pytest.skip("chromium not installed: run scripts/setup.sh --with-browser")
    directory, html = report
    assert render_figures(check_html(html), directory) == EXPECTED
    page = render(directory / "report.html", directory / "report.png", 1100, 2400, directory / "chromium-profile")
    assert_figure_pixels(page, "whole report")


def test_empirical_report_draws_nll_by_position(ropescope, tmp_path):
    """With --model and --text-file the report adds the NLL-by-position, passkey heatmap and local-mass
    figures; each renders non-blank too."""
    model, text = tmp_path / "tiny.gguf", tmp_path / "text.txt"
    write_tiny_llama(model)
    text.write_text("the quick brown fox jumps over the lazy dog. " * 24, encoding="utf-8")
    # 320 → 640 tokens: long enough for the passkey template, so the passkey heatmap is drawn too.
    result = ropescope("validate", "--model", model, "--train-length", "320", "--target-length", "640", "--text-file", text,
                       "--rope", "yarn:factor=2",
                       "--rope", "linear:factor=2", "--report", tmp_path / "report.html", check=False)
    assert result.returncode in (0, 1), result.stderr
    svgs = check_html((tmp_path / "report.html").read_text(encoding="utf-8"))
    ids = [s.split('id="', 1)[1].split('"', 1)[0] for s in svgs]
    assert ids == EXPECTED + ["fig-nll-position", "fig-passkey", "fig-local-mass"]
    if chromium() is None:
        if os.environ.get("ROPESCOPE_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed")
        pytest.skip("chromium not installed")
    assert render_figures(svgs, tmp_path) == EXPECTED + ["fig-nll-position", "fig-passkey", "fig-local-mass"]


def test_blank_figure_is_caught(tmp_path):
    """The render check can fail: an SVG with a title and a description but nothing drawn."""
    if chromium() is None:
        pytest.skip("chromium not installed")
    blank = ('<svg xmlns="http://www.w3.org/2000/svg" id="fig-blank" role="img" aria-labelledby="fig-blank-title '
             'fig-blank-desc" width="400" height="300"><title id="fig-blank-title">blank</title>'
             '<desc id="fig-blank-desc">A figure that draws nothing at all, to prove the check can fail.</desc></svg>')
    with pytest.raises(AssertionError, match="pixels are drawn"):
        render_figures([blank], tmp_path)
