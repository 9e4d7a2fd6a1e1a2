#!/usr/bin/env python3
"""Scores `smtptriage explain - --format json` against a classification benchmark TSV.

The TSV has a header row with at least the columns `input` and `accept` (comma-separated
reasons that count as right). A row agrees when the reason we give is in its accept list.
Prints the overall agreement, the agreement per expected reason, and with --verbose the rows
that disagree.

Usage: scripts/score_classify.py [TSV] [--binary PATH] [--verbose] [--rules FILE]...
"""

import argparse
import csv
import json
import os
import subprocess
import sys
from collections import defaultdict

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_TSV = os.path.join(REPO, "..", "shared", "bench", "classify", "sisimai-dev.tsv")


def find_binary():
    """The most recently built build*/smtptriage of the checkout, else smtptriage on PATH."""
    found = []
    for folder in os.listdir(REPO):
        path = os.path.join(REPO, folder, "smtptriage")
        if folder.startswith("build") and os.access(path, os.X_OK):
            found.append((os.path.getmtime(path), path))
    return max(found)[1] if found else "smtptriage"


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter="\t")
        rows = []
        for row in reader:
            text = " ".join((row.get("input") or "").split())
            accept = [a.strip() for a in (row.get("accept") or "").split(",") if a.strip()]
            if text:
                rows.append((text, accept))
        return rows


def classify(binary, texts, rules):
    cmd = [binary, "explain", "-", "--format", "json", "--lang", "en"]
    for r in rules:
        cmd += ["--rules", r]
    proc = subprocess.run(cmd, input="\n".join(texts) + "\n", capture_output=True,
                          text=True, encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        sys.exit("score_classify: %s failed (%d):\n%s" % (" ".join(cmd), proc.returncode,
                                                          proc.stderr))
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(results) != len(texts):
        sys.exit("score_classify: %d replies sent, %d answers received" % (len(texts),
                                                                          len(results)))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tsv", nargs="?", default=DEFAULT_TSV, help="benchmark TSV")
    ap.add_argument("--binary", default=None, help="smtptriage binary (default: build*/smtptriage)")
    ap.add_argument("--rules", action="append", default=[], help="site rules file, repeatable")
    ap.add_argument("--verbose", "-v", action="store_true", help="list the disagreeing rows")
    args = ap.parse_args()

    if not os.path.isfile(args.tsv):
        sys.exit("score_classify: no benchmark at %s: give the path of a TSV with the columns "
                 "`input` and `accept` (docs/RULES.md, \"Measured\")" % args.tsv)
    rows = read_rows(args.tsv)
    if not rows:
        sys.exit("score_classify: no rows in %s" % args.tsv)
    results = classify(args.binary or find_binary(), [t for t, _ in rows], args.rules)

    per_reason = defaultdict(lambda: [0, 0])
    misses = []
    agree = 0
    for (text, accept), res in zip(rows, results):
        key = ",".join(accept)
        per_reason[key][1] += 1
        if res["reason"] in accept:
            agree += 1
            per_reason[key][0] += 1
        else:
            misses.append((key, res["reason"], res["rule"], text))

    total = len(rows)
    print("overall: %d/%d = %.1f%%" % (agree, total, 100.0 * agree / total))
    print()
    print("%-60s %9s %7s" % ("expected (accept)", "agree", "%"))
    for key, (ok, n) in sorted(per_reason.items(), key=lambda kv: (-kv[1][1], kv[0])):
        print("%-60s %4d/%-4d %6.1f%%" % (key[:60], ok, n, 100.0 * ok / n))
    if args.verbose and misses:
        print()
        print("disagreeing rows (expected | got | rule | input):")
        for key, got, rule, text in sorted(misses):
            print("  %s | %s | %s | %s" % (key, got, rule, text[:220]))


if __name__ == "__main__":
    main()
