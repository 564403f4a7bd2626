"""Concept quality of the offline analysis against hand-written key-concept lists (tests/concepts.json).

Every fixture document (the seven Markdown study texts, the demo document and the eleven held-out
documents in five formats) goes through extraction, chunking and offline.analyze; printed per
document: recall of its key concepts, share of junk concepts, and the names; then the totals.
No database is needed.

    .venv/bin/python bench/concept_quality.py [--names]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor_project.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", action="store_true", help="print each document's concept names")
    args = parser.parse_args()
    import django

    django.setup()
    from tests.agents.concept_set import key_concepts, score

    results = [score(document, key) for document, key in key_concepts().items()]
    print(f"{'document':40} {'recall':>7} {'junk':>6} {'named':>6}")
    for r in results:
        print(f"{r.document:40} {r.recall:7.0%} {r.junk_share:6.0%} {len(r.named):6}")
        if args.names:
            print(f"    named: {r.named}\n    junk: {r.junk}\n    missed: "
                  f"{[k[0] for k in r.key if k[0] not in r.found]}")
    key = sum(len(r.key) for r in results)
    found = sum(len(r.found) for r in results)
    named = sum(len(r.named) for r in results)
    junk = sum(len(r.junk) for r in results)
    print(f"\nall {len(results)} documents: recall {found}/{key} = {found / key:.1%}; "
          f"junk {junk}/{named} = {junk / max(named, 1):.1%}")
    for group in ("fixtures/", "demo/", "heldout/"):
        part = [r for r in results if r.document.startswith(group)]
        k, f = sum(len(r.key) for r in part), sum(len(r.found) for r in part)
        n, j = sum(len(r.named) for r in part), sum(len(r.junk) for r in part)
        print(f"  {group:10} recall {f}/{k} = {f / k:.1%}; junk {j}/{n} = {j / max(n, 1):.1%}")


if __name__ == "__main__":
    main()
