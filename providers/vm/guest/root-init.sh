#!/bin/sh
# Second stage (root disk, PID 1): the mounts a shell and git need, then the agent on the
# virtio-serial port named "agent". The agent stays PID 1 and reaps orphans.
# Few processes on purpose: under TCG each exec costs tens of milliseconds, so mounts come
# from /etc/fstab in one `mount -a` and the rest uses shell builtins.
mkdir -p /dev/pts /dev/shm
mount -a
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
echo swarm > /proc/sys/kernel/hostname
ip link set lo up 2>/dev/null
# A NIC on QEMU's user-mode network: its fixed addresses, no DHCP client to wait for. With
# the proxy, names are resolved by the proxy on the host; no DNS server here.
if [ -n "$swarmnet" ]; then
  ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up
  route add default gw 10.0.2.2
  [ "$swarmnet" = full ] && echo "nameserver 10.0.2.3" > /etc/resolv.conf
fi
unset swarmnet
port=/dev/vport0p1
for p in /sys/class/virtio-ports/*; do
  read -r n < "$p/name" 2>/dev/null && [ "$n" = agent ] && port=/dev/${p##*/}
done
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root SWARM_AGENT_PORT=$port
cd /work
exec /sbin/swarm-agent
