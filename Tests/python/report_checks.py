"""Checks of ropescope's self-contained HTML reports: strict HTML structure, well-formed SVG
figures with text alternatives, nothing fetched from outside, and headless Chromium renders.

Rendering: each figure is cut out of the report and rendered alone in a page of exactly its
size (no script in the report is needed to find it), so "present and non-blank" is a statement
about that figure's own pixels.
"""
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
from PIL import Image

SVG_NS = "{http://www.w3.org/2000/svg}"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictStructure(HTMLParser):
    """Every non-void element closed in order; records errors instead of repairing them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.doctype, self.tags = [], [], None, []

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack:
            self.errors.append(f"</{tag}> at {self.getpos()} closes nothing")
            return
        open_tag, position = self.stack.pop()
        if open_tag != tag:
            self.errors.append(f"</{tag}> at {self.getpos()} closes <{open_tag}> opened at {position}")


def check_html(html):
    """Asserts the report parses cleanly and is self-contained; returns the list of SVG sources."""
    parser = StrictStructure()
    parser.feed(html)
    parser.close()
    assert parser.doctype and parser.doctype.lower() == "doctype html", f"doctype: {parser.doctype}"
    assert not parser.errors, parser.errors[:5]
    assert not parser.stack, f"unclosed: {parser.stack[:5]}"
    names = [tag for tag, _ in parser.tags]
    for forbidden in ("script", "link", "img", "iframe", "object", "embed"):
        assert forbidden not in names, f"<{forbidden}> in a self-contained report"
    for tag, attrs in parser.tags:
        for key in ("src", "href"):
            assert key not in attrs, f"<{tag} {key}=...>: nothing may be fetched"
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", html), "external url() in CSS"
    assert "@import" not in html and "@font-face" not in html
    assert re.search(r'<html lang="en">', html)
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    for source in svgs:
        root = ET.fromstring(source)  # well-formed XML or this raises
        assert root.tag == SVG_NS + "svg"
        identifier = root.get("id")
        assert root.get("role") == "img", identifier
        title, desc = root.find(SVG_NS + "title"), root.find(SVG_NS + "desc")
        assert title is not None and title.text and desc is not None and len(desc.text or "") > 40, identifier
        assert root.get("aria-labelledby") == f"{identifier}-title {identifier}-desc"
        assert float(root.get("width")) > 100 and float(root.get("height")) > 100
    return svgs


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def render(html_path, png_path, width, height, profile):
    """Headless Chromium screenshot of `html_path` at a width × height window."""
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               f"--user-data-dir={profile}", f"--window-size={int(width)},{int(height)}",
               f"--screenshot={png_path}", f"file://{html_path}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "HOME": str(profile)})
    assert result.returncode == 0 and os.path.exists(png_path), f"chromium failed: {result.stderr[-2000:]}"
    return np.asarray(Image.open(png_path).convert("RGB"), dtype=np.int16)


def assert_figure_pixels(pixels, label):
    """A drawn figure: ink on more than 2 % of the area, several colours, not one flat colour."""
    background = np.array([255, 255, 255])
    ink = np.abs(pixels - background).sum(axis=2) > 30
    assert ink.mean() > 0.02, f"{label}: only {ink.mean():.4f} of the pixels are drawn"
    saturated = (pixels.max(axis=2) - pixels.min(axis=2)) > 60
    assert saturated.sum() > 200, f"{label}: no coloured data drawn ({saturated.sum()} coloured pixels)"
    quantised = {tuple(p) for p in (pixels[ink] // 32).reshape(-1, 3)}
    assert len(quantised) >= 4, f"{label}: only {len(quantised)} colours"


def render_figures(svgs, directory):
    """Renders every SVG alone; asserts each is present and non-blank; returns their ids."""
    profile = directory / "chromium-profile"
    profile.mkdir(exist_ok=True)
    ids = []
    for index, source in enumerate(svgs):
        root = ET.fromstring(source)
        width, height = float(root.get("width")), float(root.get("height"))
        page = directory / f"figure-{index}.html"
        page.write_text('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title>figure</title></head>'
                        f'<body style="margin:0;background:#fff">{source}</body></html>', encoding="utf-8")
        pixels = render(page, directory / f"figure-{index}.png", width, height, profile)
        assert pixels.shape[0] >= height - 1 and pixels.shape[1] >= width - 1, pixels.shape
        assert_figure_pixels(pixels[: int(height), : int(width)], root.get("id"))
        ids.append(root.get("id"))
    return ids
