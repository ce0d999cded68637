# shellcheck shell=sh
# Sourced by the guest scripts: ovl_setup FILE... copies the files into the
# lower layer of an overlayfs mounted on $ovl/merged (upper layer on tmpfs),
# so that programs run from there are mapped through FMODE_BACKING files.
ovl=/tmp/ovl

ovl_setup() {
	mkdir -p $ovl/lower $ovl/upper $ovl/work $ovl/merged &&
	cp "$@" $ovl/lower/ &&
	mount -t overlay overlay -o lowerdir=$ovl/lower,upperdir=$ovl/upper,workdir=$ovl/work $ovl/merged
}
