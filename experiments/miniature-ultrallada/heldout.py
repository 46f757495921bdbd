#!/usr/bin/env python3
"""Write the validation split of a `ropescope train --data DIR` corpus for the probes.

`ropescope train` (Sources/Training/TrainingCorpus.swift) reads the `*.txt` files of DIR sorted by
name and puts the 10th, 20th, … (1-based index over all of them; empty files count but are
dropped) in its validation set, never trained on. This script applies the same rule and writes

* OUT/heldout.txt: the validation documents joined by a blank line (perplexity, attention and the
  passkey haystack read it);
* OUT/heldout-docs/doc-NNNN.txt: the first MAX_DOCS pieces of validation text of MIN_BYTES to
  MAX_BYTES bytes, one per file (`probe interference --documents`, which needs documents shorter
  than its window to pack several into one): a validation document that fits is one piece; a longer
  one is cut into its paragraphs (blank lines), and a paragraph that does not fit into runs of whole
  sentences (". ") of at most MAX_BYTES; a single longer sentence is cut at the last space before
  MAX_BYTES;
* OUT/heldout.json: counts and bytes, for the run record.

Standard library only; deterministic. Usage: heldout.py CORPUS_DIR OUT_DIR [MAX_DOCS] [MAX_BYTES] [MIN_BYTES]
"""
import json
import sys
from pathlib import Path

VALIDATION_EVERY = 10


def validation_documents(corpus: Path) -> list:
    names = sorted(p.name for p in corpus.iterdir() if p.name.endswith(".txt"))
    documents = []
    for index, name in enumerate(names):
        data = (corpus / name).read_bytes()
        if data and (index + 1) % VALIDATION_EVERY == 0:
            documents.append((name, data))
    return documents


def pieces(text: str, max_bytes: int) -> list:
    """`text` if it fits in max_bytes (UTF-8), else its paragraphs, sentence runs or space-cut parts."""
    def fits(part):
        return len(part.encode("utf-8")) <= max_bytes
    if fits(text):
        return [text]
    out = []
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if not paragraph:
            continue
        if fits(paragraph):
            out.append(paragraph)
            continue
        sentences = [s + ("." if i < paragraph.count(". ") else "") for i, s in enumerate(paragraph.split(". "))]
        run = ""
        for sentence in sentences:
            while not fits(sentence):
                cut = sentence.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")
                cut = cut[:cut.rfind(" ")] if " " in cut else cut
                if run:
                    out.append(run)
                    run = ""
                out.append(cut.strip())
                sentence = sentence[len(cut):].strip()
            joined = f"{run} {sentence}".strip()
            if fits(joined):
                run = joined
            else:
                out.append(run)
                run = sentence
        if run:
            out.append(run)
    return [part for part in out if part]


def main():
    if len(sys.argv) not in (3, 4, 5, 6):
        print("usage: heldout.py CORPUS_DIR OUT_DIR [MAX_DOCS] [MAX_BYTES] [MIN_BYTES]", file=sys.stderr)
        return 64
    corpus, out = Path(sys.argv[1]), Path(sys.argv[2])
    max_docs = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    max_bytes = int(sys.argv[4]) if len(sys.argv) > 4 else 400
    min_bytes = int(sys.argv[5]) if len(sys.argv) > 5 else 16
    documents = validation_documents(corpus)
    if len(documents) < 2:
        print(f"error: {corpus} has {len(documents)} validation documents (every {VALIDATION_EVERY}th .txt); "
              "need at least 2", file=sys.stderr)
        return 65
    out.mkdir(parents=True, exist_ok=True)
    text = b"\n\n".join(data.strip() for _, data in documents) + b"\n"
    (out / "heldout.txt").write_bytes(text)
    picked = [(name, piece.encode("utf-8")) for name, data in documents
              for piece in pieces(data.decode("utf-8", "replace").strip(), max_bytes)
              if len(piece.encode("utf-8")) >= min_bytes][:max_docs]
    docs = out / "heldout-docs"
    docs.mkdir(exist_ok=True)
    for index, (_, data) in enumerate(picked):
        (docs / f"doc-{index:04d}.txt").write_bytes(data + b"\n")
    summary = {"validation_documents": len(documents), "heldout_bytes": len(text),
               "interference_documents": len(picked), "interference_sources": [name for name, _ in picked]}
    (out / "heldout.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"{len(documents)} validation documents ({len(text)} bytes); {len(picked)} for interference")
    return 0


if __name__ == "__main__":
    sys.exit(main())
