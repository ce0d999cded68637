#!/bin/sh
# scripts/checkpatch.pl --strict on every patch of the series: any error,
# warning or check fails.  One exception: checkpatch warns about every new
# file ("does MAINTAINERS need updating?", FILE_PATH_CHANGES) because it
# cannot tell; instead, every file a patch adds must be covered by a
# MAINTAINERS section (scripts/get_maintainer.pl).
set -eu
. "$(dirname "$0")/lib.sh"

[ -x "$KSRC/scripts/checkpatch.pl" ] || die "no kernel tree: run 'make source' first"
# checkpatch checks SPDX tags with scripts/spdxcheck.py, and takes any
# failure of that script (a missing python3-ply or python3-git: a Python
# traceback on stderr, nothing on stdout) as "valid".  Make sure it runs:
# a real licence passes and a made-up one is refused.
spdx() {
	(cd "$KSRC" && echo "SPDX-License-Identifier: $1" | ./scripts/spdxcheck.py - 2>&1) || true
}
good=$(spdx GPL-2.0) bad=$(spdx Not-A-Licence-1.0)
case $good$bad in
"-: 1:"*"Invalid License ID: Not-A-Licence-1.0") echo "checkpatch: SPDX check works (scripts/spdxcheck.py)" ;;
*) die "scripts/spdxcheck.py does not work, so checkpatch would skip the SPDX check:
$good$bad" ;;
esac
bad=0
# UNKNOWN_COMMIT_ID: the tree is a release tarball without upstream history,
# so checkpatch cannot find the commit a Fixes: tag names; the tag's form
# (GIT_COMMIT_ID) is still checked, and its hash against the public record.
for p in $(series_patches); do
	res=$(cd "$KSRC" && ./scripts/checkpatch.pl --strict --showfile \
		--ignore FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID "$p" 2>&1) || true
	for f in $(awk '/^--- \/dev\/null$/ { getline; sub(/^\+\+\+ b\//, ""); print }' "$p"); do
		(cd "$KSRC" && ./scripts/get_maintainer.pl --nogit --nogit-fallback -f "$f" 2>/dev/null) |
			grep -Eq '\((maintainer|supporter):' && continue
		res="$res
total: new file $f has no MAINTAINERS entry"
	done
	total=$(echo "$res" | sed -n 's/^total: //p')
	case $total in
	"0 errors, 0 warnings, 0 checks"*) echo "checkpatch: $(basename "$p"): clean" ;;
	*)
		echo "$res" | grep -E '^(ERROR|WARNING|CHECK)|^#|^[+-]' >&2 || true
		echo "checkpatch: $(basename "$p"): ${total:-checkpatch did not run}" >&2
		bad=1
		;;
	esac
done
[ "$bad" = 0 ] || die "checkpatch --strict is not clean"
