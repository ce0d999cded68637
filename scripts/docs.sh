#!/bin/sh
# Build Documentation/mm of the patched tree with Sphinx and fail on any
# warning about a file the series touches (the rest of Documentation/mm
# has warnings of its own in 6.12 when built alone).
set -eu
. "$(dirname "$0")/lib.sh"

need_cmd sphinx-build
[ -d "$KSRC/.git" ] || die "no kernel tree: run 'make source' first"
touched=$(git -C "$KSRC" diff --name-only base series | grep -E '^(Documentation/|include/)')
phase docs "make SPHINXDIRS=mm htmldocs"
make -s -C "$KSRC" O="$BUILD/docs" SPHINXDIRS=mm htmldocs >"$BUILD/docs.log" 2>&1 ||
	{ tail -20 "$BUILD/docs.log" >&2; die "htmldocs failed (log: build/docs.log)"; }
warn=$(grep -i -E 'warning|error' "$BUILD/docs.log" | grep -F "$touched" || true)
[ -z "$warn" ] || { echo "$warn" >&2; die "Sphinx warnings in files the series touches"; }
phase docs "no warning in: $(echo $touched)"
