#!/bin/sh
# Second stage (root disk, PID 1): the mounts a shell and git need, then the agent on the
# virtio-serial port named "agent". The agent stays PID 1 and reaps orphans.
mount -t proc proc /proc
mount -t sysfs sys /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts -o ptmxmode=0666,mode=0620 devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
hostname swarm
ip link set lo up 2>/dev/null
port=/dev/vport0p1
for p in /sys/class/virtio-ports/*; do
  [ "$(cat "$p/name" 2>/dev/null)" = agent ] && port=/dev/${p##*/}
done
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root SWARM_AGENT_PORT=$port
cd /work
exec /sbin/swarm-agent
