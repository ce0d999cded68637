#!/bin/sh
# Export branch "series" of build/linux back into patches/ (git format-patch),
# keeping the cover letter that is in the repo.
set -eu
. "$(dirname "$0")/lib.sh"

# The version of the series; bump it for each posting, and say what changed
# in the changelog of patches/cover-letter.txt.
SERIES_VERSION=9

cd "$KSRC"
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	die "build/linux has uncommitted changes: commit them first"
tmp=$(mktemp -d)
git format-patch -q --no-signature --zero-commit --cover-letter --subject-prefix="PATCH 6.12 v$SERIES_VERSION" \
	-o "$tmp" base..series
# The cover letter: subject and blurb from patches/cover-letter.txt (first
# line, then the body), shortlog and diffstat from git.
cover=$TOP/patches/cover-letter.txt
[ -f "$cover" ] || die "patches/cover-letter.txt is missing"
python3 - "$tmp"/0000-cover-letter.patch "$cover" <<'PY'
import sys
path, src = sys.argv[1], sys.argv[2]
subject, _, body = open(src).read().partition("\n\n")
text = open(path).read()
text = text.replace("*** SUBJECT HERE ***", subject.strip())
text = text.replace("*** BLURB HERE ***", body.strip())
open(path, "w").write(text)
PY
find "$TOP/patches" -name '[0-9][0-9][0-9][0-9]-*.patch' -delete
mv "$tmp"/*.patch "$TOP/patches/"
rmdir "$tmp"
# The tree already is what the patches describe: record it, so that
# scripts/apply.sh does not apply them again.
echo "$(series_sum) $(git rev-parse series)" >.git/workbench-applied
phase export "$(git rev-list --count base..series) patches written to patches/"
