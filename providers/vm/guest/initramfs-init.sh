#!/bin/busybox sh
# First stage (initramfs): load the virtio drivers the cloud kernel has as modules, mount the
# root disk and hand over to it. Kept tiny: every line here costs boot time under TCG.
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mount -t proc proc /proc
# The host puts swarmnet=full|proxy on the kernel command line (so into our environment) when
# the VM has a NIC; without one the network driver is not even loaded.
# One modprobe (dependencies from modules.dep) instead of an insmod per module: each exec
# costs tens of milliseconds under TCG.
mods="virtio_mmio virtio_blk virtio_console"
[ -n "$swarmnet" ] && mods="$mods virtio_net"
/bin/busybox modprobe -a $mods
i=0
while [ ! -b /dev/vda ] && [ $i -lt 500 ]; do /bin/busybox usleep 10000; i=$((i+1)); done
/bin/busybox mount -t ext4 -o noatime /dev/vda /newroot || { echo "swarm: cannot mount /dev/vda"; /bin/busybox poweroff -f; }
/bin/busybox umount /proc
/bin/busybox mount --move /dev /newroot/dev
exec /bin/busybox switch_root /newroot /sbin/swarm-init
