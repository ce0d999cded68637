#!/bin/sh
# Unpack Debian's linux-source-6.12 into build/linux as a git tree whose
# first commit (tag "base") is the pristine source.  Never leaves a
# half-unpacked tree behind: it unpacks into a temporary folder and renames.
set -eu
. "$(dirname "$0")/lib.sh"

TARBALL=/usr/src/linux-source-6.12.tar.xz
[ -f "$TARBALL" ] || die "$TARBALL missing: install the linux-source-6.12 package ('make deps')"
pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
	die "linux-source-6.12 is not installed"

if [ -d "$KSRC/.git" ]; then
	have=$(cat "$KSRC/.git/workbench-pkgver" 2>/dev/null || echo unknown)
	[ "$have" = "$pkgver" ] ||
		die "build/linux was unpacked from linux-source-6.12 $have, the installed package is $pkgver; run 'make distclean' to start from the new base"
	phase unpack "base tree present ($(cat "$KSRC/.git/workbench-base"))"
	exit 0
fi

need_disk "$BUILD" 20
phase unpack "unpacking $TARBALL ($pkgver)"
tmp=$BUILD/linux.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
tar -C "$tmp" --strip-components=1 -xf "$TARBALL"
kver=$(make -s -C "$tmp" kernelversion)
(
	cd "$tmp"
	git init -q -b base-import
	git config user.name "uprobe-spec workbench"
	git config user.email "workbench@localhost"
	# Debian's tarball ignores every top-level entry (/*): force the import.
	git add -A -f
	git commit -q -m "Linux $kver (Debian linux-source-6.12 $pkgver)"
	git tag base
	echo "$pkgver" >.git/workbench-pkgver
	echo "Linux $kver, Debian linux-source-6.12 $pkgver" >.git/workbench-base
)
mv "$tmp" "$KSRC"
phase unpack "base: $(cat "$KSRC/.git/workbench-base")"
