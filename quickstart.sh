#!/usr/bin/env bash
# One command: set up jdreview in .venv and clean the shipped sample postings.
#   bash quickstart.sh            -> cleaned postings in out/, scores against the user's gold
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
.venv/bin/jdreview clean assets/samples/seeds -o out --explain
echo "cleaned postings written to out/ (out/*.explain.txt: every line with keep/drop and its reason)"
.venv/bin/jdreview eval --gold assets/samples/gold assets/samples/seeds
