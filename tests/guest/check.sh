# shellcheck shell=sh
# Sourced by the guest test scripts: count and print results, and close
# with the "N passed, N failed" line that scripts/test.sh and CI read.
#   check NAME CMD...   runs CMD, "ok: NAME" or "FAIL: NAME"
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok: $*"; }
not_ok() { fail=$((fail + 1)); echo "FAIL: $*"; }

check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# summary: the closing line; the exit status of the script
summary() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
