#!/bin/sh
# scripts/checkpatch.pl --strict on every patch of the series: any error,
# warning or check fails.
set -eu
. "$(dirname "$0")/lib.sh"

[ -x "$KSRC/scripts/checkpatch.pl" ] || die "no kernel tree: run 'make source' first"
bad=0
for p in $(series_patches); do
	res=$(cd "$KSRC" && ./scripts/checkpatch.pl --strict --showfile "$p" 2>&1) || true
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
