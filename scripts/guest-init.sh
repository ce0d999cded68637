#!/bin/sh
# PID 1 of the workbench guest.  The host's root is mounted read-only over
# 9p, and so is the repository (WB_TOP, from the kernel command line) at
# its own path; WB_DIR is the host folder of this run, mounted writable over
# 9p as "out".  Runs WB_DIR/cmd.sh and reports its exit
# status on the console, where scripts/run-guest.sh reads it.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/tmp
export PATH HOME

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm 2>/dev/null
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
# only in the kernels that have them (the selftests flavour)
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
# The repository gets a mount of its own at its host path: the tmpfs on
# /tmp above would otherwise hide a checkout that lives under /tmp.
mkdir -p "$WB_TOP" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro top "$WB_TOP" ||
	echo "WORKBENCH-ERROR: cannot mount the repository at $WB_TOP"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out "$WB_DIR" ||
	echo "WORKBENCH-ERROR: cannot mount the output folder $WB_DIR"

echo "WORKBENCH-START: $(uname -r) $(nproc) CPUs"
cd "$WB_DIR" && sh ./cmd.sh
echo "WORKBENCH-EXIT: $?"
cd /
umount "$WB_DIR" "$WB_TOP" 2>/dev/null
echo s >/proc/sysrq-trigger
# -no-reboot turns this reboot into QEMU's exit.
echo b >/proc/sysrq-trigger
sleep 10
