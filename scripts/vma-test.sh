#!/bin/sh
# Build and run tools/testing/vma (userland VMA tests, on the host) from the
# patched tree, from clean (its objects do not track every header); the base
# tree cannot link it (patch 0001 fixes that).
set -eu
. "$(dirname "$0")/lib.sh"

dir=$KSRC/tools/testing/vma
[ -d "$dir" ] || die "no kernel tree: run 'make source' first"
dpkg-query -W -f='${Status}' liburcu-dev 2>/dev/null | grep -q 'ok installed' ||
	die "liburcu-dev is missing: run 'make deps'"
phase vma-test "tools/testing/vma on $(git -C "$KSRC" describe --always --tags)"
make -s -C "$dir" clean >/dev/null 2>&1 || true
make -s -C "$dir" -j"$JOBS" >"$BUILD/vma-test.log" 2>&1 ||
	{ tail -20 "$BUILD/vma-test.log" >&2; die "tools/testing/vma does not build (log: build/vma-test.log)"; }
"$dir/vma"
