#!/usr/bin/env bash
# bench.sh — darner vs redis-server (and memcached) benchmark, the entry
# point of `make bench`. Checks prerequisites, builds bin/darner when it is
# missing, warns about a noisy machine, then runs benchmarks/cmd/darner-bench
# with the arguments given (see `scripts/bench.sh -h`, benchmarks/README.md).
#
#   scripts/bench.sh                         # default: throughput suite, lab mode, 3 rounds × 10 s
#   scripts/bench.sh -quick                  # smoke run, ~30 s
#   scripts/bench.sh -suite memory,latency-size
#   MEMTIER_ARGS="--run-count=1" scripts/bench.sh -tool memtier
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--ldflags=-checklinkname=0}"

missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$1 (apt-get install $2)"); }
need go        "golang, or Go ≥ 1.26 from go.dev"
need redis-server    redis-server
need redis-benchmark redis-tools
need taskset   util-linux
if ((${#missing[@]})); then
	echo "bench.sh: missing prerequisites:" >&2
	printf '  %s\n' "${missing[@]}" >&2
	exit 2
fi
command -v memcached >/dev/null 2>&1 ||
	echo "bench.sh: note: memcached not installed (apt-get install memcached): Memcached workloads run on darner only" >&2
command -v memtier_benchmark >/dev/null 2>&1 ||
	echo "bench.sh: note: memtier_benchmark not on PATH: using redis-benchmark where it can express a workload, the built-in Go load generator elsewhere" >&2

case " $* " in *" -list "* | *" -render "* | *" -h "* | *" -help "*) exec go run ./benchmarks/cmd/darner-bench "$@" ;; esac

if [[ -z "${DARNER_BIN:-}" && ! -x bin/darner ]]; then
	echo "bench.sh: bin/darner missing, building it" >&2
	go build -o bin/darner ./cmd/darner
fi

# A noisy machine makes every number wrong; say so before spending minutes.
ncpu=$(nproc)
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" -v n="$ncpu" 'BEGIN{exit !(l > n/2)}'; then
	echo "bench.sh: WARNING: load average $load on $ncpu CPUs: other work will distort the results" >&2
fi
gov=/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor
if [[ -r $gov && $(cat $gov) != performance ]]; then
	echo "bench.sh: note: CPU governor is $(cat $gov), not performance (see benchmarks/README.md)" >&2
fi
if pgrep -x irqbalance >/dev/null 2>&1; then
	echo "bench.sh: note: irqbalance is running; on a many-core host pin IRQs away from the server CPUs (benchmarks/README.md)" >&2
fi

exec go run ./benchmarks/cmd/darner-bench "$@"
