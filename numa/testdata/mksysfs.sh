#!/bin/sh
# Regenerates the fake sysfs and cgroup trees the numa tests read.
# Run from numa/testdata: sh mksysfs.sh
set -eu
cd "$(dirname "$0")"

# cpu <root> <id> <core_id> <package> <siblings>
cpu() {
	d=$1/devices/system/cpu/cpu$2/topology
	mkdir -p "$d"
	echo "$3" >"$d/core_id"
	echo "$4" >"$d/physical_package_id"
	echo "$5" >"$d/thread_siblings_list"
}
node() {
	mkdir -p "$1/devices/system/node/node$2"
	echo "$3" >"$1/devices/system/node/node$2/cpulist"
}
base() {
	rm -rf "$1"
	mkdir -p "$1/devices/system/cpu/cpufreq" "$1/devices/system/cpu/cpuidle"
	echo "$2" >"$1/devices/system/cpu/online"
	echo "$2" >"$1/devices/system/cpu/possible"
}

# (a) two sockets, one NUMA node each, 8 cores x 2 threads per socket.
# Linux numbers the first thread of every core first: cpu N and N+16 are
# siblings; node 0 holds cores 0-7 (cpus 0-7,16-23), node 1 cores 8-15.
r=twonode/sys
base $r 0-31
mkdir -p $r/devices/system/node
echo 0-1 >$r/devices/system/node/online
echo 0-1 >$r/devices/system/node/has_cpu
node $r 0 0-7,16-23
node $r 1 8-15,24-31
for n in $(seq 0 31); do
	c=$((n % 16))
	cpu $r $n $((c % 8)) $((c / 8)) "$c,$((c + 16))"
done

# (b) one node without node dirs (CONFIG_NUMA=n): 4 cores x 2 threads,
# siblings N and N+4.
r=onenode/sys
base $r 0-7
for n in $(seq 0 7); do
	c=$((n % 4))
	cpu $r $n $c 0 "$c,$((c + 4))"
done

# (c) an 8-CPU box without SMT, one node, for the cgroup quota cases.
r=cgroupbox/sys
base $r 0-7
node $r 0 0-7
for n in $(seq 0 7); do
	cpu $r $n $n 0 $n
done

# (d) cpu 3 offline (no topology dir), cpu 1's sibling list names it.
r=offline/sys
base $r 0-2
node $r 0 0-3
cpu $r 0 0 0 0
cpu $r 1 1 0 1,3
cpu $r 2 2 0 2
mkdir -p $r/devices/system/cpu/cpu3
echo 0 >$r/devices/system/cpu/cpu3/online

# cgroup trees: <case>/proc/self/cgroup and <case>/cgroup/...
cg() {
	rm -rf "cgroup/$1"
	mkdir -p "cgroup/$1/proc/self" "cgroup/$1/cgroup"
	printf '%b' "$2" >"cgroup/$1/proc/self/cgroup"
}
put() {
	mkdir -p "$(dirname "cgroup/$1")"
	echo "$2" >"cgroup/$1"
}
cg v2 '0::/system.slice/darner.service\n'
put v2/cgroup/system.slice/cpu.max "max 100000"
put v2/cgroup/system.slice/darner.service/cpu.max "250000 100000"

cg v2-nolimit '0::/system.slice/darner.service\n'
put v2-nolimit/cgroup/system.slice/darner.service/cpu.max "max 100000"

cg v2-parent '0::/kubepods/pod1/ctr\n'
put v2-parent/cgroup/kubepods/pod1/cpu.max "150000 100000"
put v2-parent/cgroup/kubepods/pod1/ctr/cpu.max "400000 100000"

cg v2-noperiod '0::/a\n'
put v2-noperiod/cgroup/a/cpu.max "250000"

cg v2-nsroot '0::/kubepods/pod1/ctr\n'
put v2-nsroot/cgroup/cpu.max "250000 100000"

cg v2-hybrid '9:name=systemd:/\n1:cpu:/\n0::/app\n'
put v2-hybrid/cgroup/unified/app/cpu.max "50000 100000"

cg v1 '9:name=systemd:/docker/abc\n4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n0::/\n'
put v1/cgroup/cpu,cpuacct/cpu.cfs_quota_us -1
put v1/cgroup/cpu,cpuacct/cpu.cfs_period_us 100000
put v1/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us 250000
put v1/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us 100000

cg v1-cpudir '1:cpu:/batch\n'
put v1-cpudir/cgroup/cpu/batch/cpu.cfs_quota_us 50000
put v1-cpudir/cgroup/cpu/batch/cpu.cfs_period_us 20000

cg v1-nolimit '4:cpu,cpuacct:/\n0::/\n'
put v1-nolimit/cgroup/cpu,cpuacct/cpu.cfs_quota_us -1
put v1-nolimit/cgroup/cpu,cpuacct/cpu.cfs_period_us 100000

cg v1-garbage '4:cpu,cpuacct:/x\n'
put v1-garbage/cgroup/cpu,cpuacct/x/cpu.cfs_quota_us banana
put v1-garbage/cgroup/cpu,cpuacct/x/cpu.cfs_period_us 100000

cg none ''
