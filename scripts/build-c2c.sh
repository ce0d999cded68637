#!/bin/sh
# Build the cache-line sharing plugin (bench/c2c/c2c.c) for the installed
# QEMU, as build/c2c/libc2c.so.  The plugin API header (qemu-plugin.h) is in
# no binary package, only in Debian's qemu source package: it is fetched
# for the installed QEMU's exact source version, with a sources file of its
# own for that one download (deb-src lines; the system's apt configuration
# is left as it is), and only that header is unpacked.
set -eu
. "$(dirname "$0")/lib.sh"

need_cmd gcc qemu-system-x86_64 tar xz
out=$BUILD/c2c
hdr=$out/include/qemu-plugin.h
ver=$(dpkg-query -W -f='${source:Version}' qemu-system-x86 2>/dev/null) ||
	die "qemu-system-x86 is not installed ('make deps')"
mkdir -p "$out/include"
if [ "$(cat "$out/include/version" 2>/dev/null)" != "$ver" ]; then
	phase c2c "fetching qemu-plugin.h from Debian's qemu source package $ver"
	apt=$out/apt
	rm -rf "$apt"
	mkdir -p "$apt/lists/partial" "$apt/src"
	cat >"$apt/src.sources" <<-SRC
	Types: deb-src
	URIs: http://deb.debian.org/debian
	Suites: bookworm bookworm-updates
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

	Types: deb-src
	URIs: http://deb.debian.org/debian-security
	Suites: bookworm-security
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	SRC
	aptopt="-q -o Dir::Etc::SourceList=$apt/src.sources -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=$apt/lists -o APT::Sandbox::User=root"
	# shellcheck disable=SC2086
	apt-get $aptopt update >"$apt/log" 2>&1 ||
		{ tail -5 "$apt/log" >&2; die "apt-get update of the deb-src lists failed: no access to Debian's archive?"; }
	# shellcheck disable=SC2086
	(cd "$apt/src" && apt-get $aptopt source --download-only "qemu=$ver") >>"$apt/log" 2>&1 ||
		{ tail -5 "$apt/log" >&2; die "cannot download the source of qemu $ver (log: ${apt#"$TOP"/}/log)"; }
	orig=$(ls "$apt"/src/qemu_*.orig.tar.* 2>/dev/null | head -1)
	[ -n "$orig" ] || die "no qemu orig tarball in ${apt#"$TOP"/}/src"
	tar -C "$apt" -xf "$orig" --wildcards '*/include/qemu/qemu-plugin.h' ||
		die "no include/qemu/qemu-plugin.h in $orig"
	# Debian's own patches would go on top; refuse if one touches the header.
	deb=$(ls "$apt"/src/qemu_*.debian.tar.* | head -1)
	! tar -xOf "$deb" --wildcards 'debian/patches/*' 2>/dev/null | grep -q '^+++ .*qemu-plugin.h' ||
		die "a Debian patch changes qemu-plugin.h: unpack the whole source to get it right"
	cp "$apt"/qemu-*/include/qemu/qemu-plugin.h "$hdr"
	echo "$ver" >"$out/include/version"
	rm -rf "$apt"
fi
phase c2c "building ${out#"$TOP"/}/libc2c.so (QEMU plugin API $(sed -n 's/^#define QEMU_PLUGIN_VERSION //p' "$hdr"))"
gcc -O2 -g -Wall -Wextra -Wno-unused-parameter -shared -fPIC -I"$out/include" \
	-o "$out/libc2c.so" "$TOP/bench/c2c/c2c.c" -lpthread
