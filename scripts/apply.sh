#!/bin/sh
# Apply patches/*.patch to the base with `git am -3`, on branch "series" of
# build/linux.  Re-applies only when the patch files changed; refuses to
# throw away commits made in build/linux that were not exported.
set -eu
. "$(dirname "$0")/lib.sh"

[ -d "$KSRC/.git" ] || die "no kernel tree: run 'make source' first"
cd "$KSRC"
set -- $(series_patches)
[ $# -gt 0 ] || die "no patches in $TOP/patches"
sum=$(series_sum)
stamp=.git/workbench-applied
if [ -f "$stamp" ] && [ "$(cut -d' ' -f1 "$stamp")" = "$sum" ] &&
	[ "$(git rev-parse -q --verify series)" = "$(cut -d' ' -f2 "$stamp")" ]; then
	phase apply "series up to date ($(git rev-list --count base..series) patches on $(cat .git/workbench-base))"
	exit 0
fi
if [ -f "$stamp" ] && git rev-parse -q --verify series >/dev/null &&
	[ "$(git rev-parse series)" != "$(cut -d' ' -f2 "$stamp")" ] && [ -z "${FORCE:-}" ]; then
	die "build/linux branch 'series' has commits not exported to patches/: run 'make export' first, or FORCE=1 to discard them"
fi
[ -z "$(git status --porcelain --untracked-files=no)" ] || [ -n "${FORCE:-}" ] ||
	die "build/linux has uncommitted changes: commit and 'make export' them, or FORCE=1 to discard them"

phase apply "git am -3 of $# patches onto $(cat .git/workbench-base)"
# Apply in a scratch worktree, then move build/linux to the result with one
# checkout, which rewrites only the files that differ: the object folders
# then rebuild only what the new patches really changed.
# The first time, build/linux is still at the base: apply in place.
git am --abort >/dev/null 2>&1 || true
scratch=$BUILD/am-scratch
git worktree remove -f "$scratch" >/dev/null 2>&1 || rm -rf "$scratch"
git worktree prune
if git rev-parse -q --verify series >/dev/null; then
	git worktree add -q --detach "$scratch" base
else
	git checkout -q --detach base
	scratch=$KSRC
fi
for p in "$@"; do
	if ! git -C "$scratch" am -q -3 "$p" >.git/workbench-am.log 2>&1; then
		files=$(git -C "$scratch" diff --name-only --diff-filter=U | tr '\n' ' ')
		[ -n "$files" ] || files=$(sed -n 's/^error: patch failed: \([^:]*\):.*/\1/p; s/^error: \([^:]*\): does not exist in index/\1/p' .git/workbench-am.log | sort -u | tr '\n' ' ')
		git -C "$scratch" am --abort >/dev/null 2>&1 || true
		[ "$scratch" = "$KSRC" ] || git worktree remove -f "$scratch"
		rm -f "$stamp"
		grep -E '^(error|CONFLICT)' .git/workbench-am.log | sed 's/^/    /' >&2 || true
		die "patch $(basename "$p") does not apply to $(cat .git/workbench-base); files: ${files:-unknown}"
	fi
done
new=$(git -C "$scratch" rev-parse HEAD)
[ "$scratch" = "$KSRC" ] || git worktree remove -f "$scratch"
git checkout -q -f -B series "$new"
echo "$sum $(git rev-parse series)" >"$stamp"
phase apply "applied: $(git log --oneline base..series | wc -l) commits, tip $(git log -1 --format='%h %s' series)"
