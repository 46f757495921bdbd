#!/usr/bin/env python3
"""Split the unpacked Debian packages of scripts/fetch-corpus.sh into one .txt per document.

fortunes: each file under usr/share/games/fortunes (not `off/`, not `*.dat`/`*.u8` indexes) is a
list of fortunes separated by lines holding a single '%'; every fortune of at least 16 bytes
becomes `fortune-<collection>-<index>.txt`. gnu-standards: each HTML manual becomes
`gnu-<name>.txt` (tags dropped, entities decoded, runs of blank lines collapsed). Standard library only.
"""
import hashlib
import html
import html.parser
import json
import re
import subprocess
import sys
from pathlib import Path


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in ("p", "br", "div", "h1", "h2", "h3", "h4", "li", "pre", "tr", "dt", "dd"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_to_text(source: str) -> str:
    parser = _Text()
    parser.feed(source)
    text = html.unescape("".join(parser.parts))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def main() -> None:
    work, out = Path(sys.argv[1]), Path(sys.argv[2])
    root = work / "root"
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    fortunes = root / "usr/share/games/fortunes"
    for path in sorted(p for p in fortunes.iterdir() if p.is_file() and p.suffix not in (".dat", ".u8")):
        text = path.read_bytes().decode("utf-8", errors="replace")
        pieces = [piece.strip("\n") for piece in re.split(r"^%\n", text, flags=re.M)]
        kept = [piece for piece in pieces if len(piece.encode()) >= 16]
        for index, piece in enumerate(kept):
            (out / f"fortune-{path.name}-{index:05d}.txt").write_text(piece + "\n", encoding="utf-8")
        counts[f"fortunes/{path.name}"] = len(kept)
    for path in sorted((root / "usr/share/doc/gnu-standards").glob("*.html")):
        (out / f"gnu-{path.stem}.txt").write_text(html_to_text(path.read_text(encoding="utf-8", errors="replace")), encoding="utf-8")
        counts[f"gnu-standards/{path.name}"] = 1
    packages = []
    for deb in sorted(work.glob("*.deb")):
        fields = subprocess.run(["dpkg-deb", "-f", str(deb), "Package", "Version"], capture_output=True, text=True, check=True).stdout
        info = dict(line.split(": ", 1) for line in fields.strip().splitlines())
        packages.append({"package": info["Package"], "version": info["Version"],
                         "sha256": hashlib.sha256(deb.read_bytes()).hexdigest()})
    manifest = {"packages": packages, "documents": counts, "total_documents": sum(counts.values())}
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {manifest['total_documents']} documents to {out}")


if __name__ == "__main__":
    main()
