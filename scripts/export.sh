#!/bin/sh
# Export branch "series" of build/linux back into patches/ (git format-patch),
# keeping the cover letter that is in the repo.
set -eu
. "$(dirname "$0")/lib.sh"

cd "$KSRC"
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	die "build/linux has uncommitted changes: commit them first"
tmp=$(mktemp -d)
git format-patch -q --no-signature --zero-commit -o "$tmp" base..series
find "$TOP/patches" -name '0*.patch' ! -name '0000-*' -delete
mv "$tmp"/*.patch "$TOP/patches/"
rmdir "$tmp"
# The tree already is what the patches describe: record it, so that
# scripts/apply.sh does not apply them again.
echo "$(series_sum) $(git rev-parse series)" >.git/workbench-applied
phase export "$(git rev-list --count base..series) patches written to patches/"
