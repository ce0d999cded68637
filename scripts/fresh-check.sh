#!/bin/sh
# CI from zero, the way Debian builds packages in a clean chroot (sbuild,
# pbuilder): debootstrap a minimal Debian 12 (--variant=minbase) into
# build/fresh-root, put a `git clone` of this repository's committed HEAD
# in it, and run `CI=true bash .ci/run` there as root, with nothing
# installed beyond minbase and an empty ccache.  Whatever .ci/run needs and
# does not install itself makes this fail.  Not part of CI: run it before
# claiming that CI passes on a new machine.
#   scripts/fresh-check.sh [-k]     -k: keep build/fresh-root afterwards
# Needs root, Debian's archive (the same sources as this machine's apt),
# and about 30 GiB of disk.  Prints .ci/run's phases and the total time;
# the whole log is build/fresh-check.log.
set -eu
. "$(dirname "$0")/lib.sh"

keep=
[ "${1:-}" = -k ] && keep=1
[ "$(id -u)" = 0 ] || die "fresh-check needs root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null 2>&1 || {
	phase fresh "installing debootstrap"
	apt-get install -y -q --no-install-recommends debootstrap >/dev/null 2>&1 ||
		die "cannot install debootstrap: apt-get install debootstrap"
}
need_cmd git chroot mount umount
need_disk "$BUILD" 30
git -C "$TOP" diff --quiet HEAD -- || phase fresh "note: uncommitted changes are not checked, only HEAD ($(git -C "$TOP" log -1 --format=%h))"

# The Debian mirror this machine's apt uses for bookworm (deb822 or
# one-line sources), for debootstrap; the chroot then gets the same
# sources, the security suite (linux-source-6.12) included.
mirror=$(sed -n '/^URIs:/{s/^URIs: *//;h};/^Suites:.*\bbookworm\b/{x;p;q}' \
	/etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) bookworm .*/\2/p' \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1)
[ -n "$mirror" ] || die "no Debian bookworm mirror in this machine's apt sources"

root=$BUILD/fresh-root
log=$BUILD/fresh-check.log
mounted=
cleanup() {
	for m in $mounted; do umount -R -l "$root$m" 2>/dev/null || true; done
	if [ -z "$keep" ]; then rm -rf "$root"; fi
}
trap cleanup EXIT INT TERM

t0=$(date +%s)
if [ -d "$root" ]; then
	for m in /dev /proc /sys /tmp; do umount -R -l "$root$m" 2>/dev/null || true; done
	rm -rf "$root"
fi
phase fresh "debootstrap --variant=minbase bookworm into ${root#"$TOP"/}"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1 ||
	{ tail -20 "$log" >&2; die "debootstrap failed (log: $log)"; }
phase fresh "minimal Debian 12 ready in $(( $(date +%s) - t0 ))s, $(chroot "$root" dpkg-query -W | wc -l) packages"

# The same apt sources and settings as this machine, and its resolver.
rm -f "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && cp "$f" "$root$f"
done
cp /etc/apt/apt.conf.d/* "$root"/etc/apt/apt.conf.d/ 2>/dev/null || true
cp -L /etc/resolv.conf "$root"/etc/resolv.conf

for m in /proc /sys; do
	mount --rbind "$m" "$root$m"
	mounted="$m $mounted"
done
# A /dev of its own, as sbuild and pbuilder make: with this machine's /dev
# bound in, a package's maintainer script in the chroot once recreated
# /dev/null with mode 644 for the whole machine.  The nodes the build and
# QEMU use, a private devpts, and /dev/shm for Python's multiprocessing.
mount -t tmpfs -o mode=755,nosuid tmpfs "$root/dev"
mounted="/dev $mounted"
for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	# shellcheck disable=SC2046
	set -- $(echo "$n" | tr : ' ')
	mknod -m 666 "$root/dev/$1" c "$2" "$3"
done
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mount -t tmpfs tmpfs "$root/tmp"
mounted="/tmp $mounted"

# The clone needs git, which minbase lacks: clone on the host, into the
# chroot; .ci/run installs everything else from inside.
work=/root/uprobe-spec
git clone -q "$TOP" "$root$work"
if [ -d "$TOP/../shared" ]; then cp -a "$TOP/../shared" "$root/root/shared"; fi
phase fresh "clone of $(git -C "$root$work" log -1 --format='%h %s') in the chroot; running .ci/run"
t1=$(date +%s)
rc=0
chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb CI=true \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/bin/bash -c "cd $work && bash .ci/run" </dev/null 2>&1 | tee -a "$log" |
	grep --line-buffered -E '^==> |passed, .* failed|^error:' || true
tail -1 "$log" | grep -q '^[0-9]* passed, 0 failed$' || rc=1
phase fresh ".ci/run in a fresh Debian 12: $(tail -1 "$log"), $(( $(date +%s) - t1 ))s (debootstrap included: $(( $(date +%s) - t0 ))s)"
[ "$rc" = 0 ] || die "fresh-check failed (log: $log)"
