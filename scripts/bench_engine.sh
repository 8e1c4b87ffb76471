#!/usr/bin/env bash
# bench_engine.sh — engine-level cost of the hot commands, darner vs
# redis-server, in one run (the entry point of `make bench-engine`).
#
#  1. The Go benchmarks engine/hot_bench_test.go (BenchmarkHot/<cmd>): each
#     hot command through the shard's dispatch path minus the network,
#     ns/op and allocs/op (median of GO_COUNT runs).
#  2. redis-server and then darner (--proactor_threads 1), each pinned with
#     taskset to SERVER_CPU, loaded by redis-benchmark pinned to CLIENT_CPU:
#       redis-benchmark -t set,get,incr,lpush,lpop,hset,sadd,zadd -P 16 -n N -r 100000 -q --csv
#     then HGET myhash element:__rand_int__, SISMEMBER myset
#     element:__rand_int__ and ZRANGE myzset 0 9 the same way (the hashes,
#     sets and zsets the -t run left behind). Then each server's own
#     INFO commandstats usec_per_call: the engine-level time per call,
#     network excluded, the fair counterpart of the Go ns/op.
#  3. A table: command, darner Go ns/op, darner usec_per_call, redis
#     usec_per_call, ratio darner/redis (of usec_per_call; < 1 is darner
#     faster). LPUSH/LPOP run on one list that grows to N elements.
#
# Results go to benchmarks/results/engine/<UTC stamp>-<host>.txt (and
# latest.txt). Bounded: about a minute and a half on a 2-CPU VM.
#
# Environment: N (requests per redis-benchmark test, default 200000),
# P (pipeline, 16), GO_BENCHTIME (300000x), GO_COUNT (3), SERVER_CPU (0),
# CLIENT_CPU (1), DARNER_BIN (default: built from this tree),
# OUT (result directory), NOTE (a line for the result's header).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--ldflags=-checklinkname=0}"

N=${N:-200000}
P=${P:-16}
R=100000
GO_BENCHTIME=${GO_BENCHTIME:-300000x}
GO_COUNT=${GO_COUNT:-3}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
OUT=${OUT:-benchmarks/results/engine}
TESTS=set,get,incr,lpush,lpop,hset,sadd,zadd
CUSTOM=("HGET myhash element:__rand_int__" "SISMEMBER myset element:__rand_int__" "ZRANGE myzset 0 9")
CMDS=(set get incr lpush lpop hset hget sadd sismember zadd zrange)

for t in go redis-server redis-benchmark redis-cli taskset; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "bench_engine.sh: $t not found (redis-server/redis-tools, util-linux, Go)" >&2
		exit 2
	}
done
if (($(nproc) < 2)); then
	echo "bench_engine.sh: note: one CPU only; server and client share it" >&2
	CLIENT_CPU=$SERVER_CPU
fi

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

freeport() {
	local p
	for p in $(seq $((20000 + RANDOM % 20000)) 65000); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

started=$(date -u +%s)
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# 1. Go benchmarks, pinned to the server CPU.
echo "== go test -bench BenchmarkHot (benchtime $GO_BENCHTIME, count $GO_COUNT, CPU $SERVER_CPU)" >&2
taskset -c "$SERVER_CPU" go test -run '^$' -bench '^BenchmarkHot$' -benchmem \
	-benchtime "$GO_BENCHTIME" -count "$GO_COUNT" -cpu 1 ./engine >"$work/go.txt"
grep '^BenchmarkHot/' "$work/go.txt" >&2
# median ns/op and max allocs/op per command
awk '/^BenchmarkHot\//{ split($1, a, "/"); n=a[2]; sub(/-[0-9]+$/, "", n);
	ns[n]=ns[n] " " $3; for (i=4;i<=NF;i++) if ($(i)=="allocs/op" && $(i-1)>al[n]) al[n]=$(i-1) }
	END { for (n in ns) { k=split(substr(ns[n],2), v, " ");
		for (i=1;i<=k;i++) for (j=i+1;j<=k;j++) if (v[j]+0 < v[i]+0) { t=v[i]; v[i]=v[j]; v[j]=t }
		printf "%s %s %d\n", n, v[int((k+1)/2)], al[n] } }' "$work/go.txt" >"$work/go.med"

# 2. The servers under redis-benchmark.
[[ -n "${DARNER_BIN:-}" ]] || {
	DARNER_BIN=$work/darner
	go build -o "$DARNER_BIN" ./cmd/darner
}

# run NAME CMD...: start the server pinned, load it, read commandstats.
run() {
	local name=$1 port=$2
	shift 2
	taskset -c "$SERVER_CPU" "$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
	local pid=$!
	for _ in $(seq 100); do
		redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
		sleep 0.1
	done
	redis-cli -p "$port" ping | grep -q PONG || {
		echo "bench_engine.sh: $name did not start" >&2
		cat "$work/$name.log" >&2
		exit 1
	}
	echo "== $name" >&2
	local rb=(taskset -c "$CLIENT_CPU" redis-benchmark -h 127.0.0.1 -p "$port" -P "$P" -n "$N" -r "$R" -q --csv)
	"${rb[@]}" -t "$TESTS" >"$work/$name.csv"
	for c in "${CUSTOM[@]}"; do
		# shellcheck disable=SC2086
		"${rb[@]}" $c | grep -v '^"test"' >>"$work/$name.csv"
	done
	cat "$work/$name.csv" >&2
	redis-cli -p "$port" info commandstats | tr -d '\r' |
		sed -n 's/^cmdstat_\([a-z]*\):calls=\([0-9]*\),usec=[0-9]*,usec_per_call=\([0-9.]*\).*/\1 \3 \2/p' >"$work/$name.stats"
	redis-cli -p "$port" info server | tr -d '\r' | grep -E '^(redis_version|darner_version|os):' >"$work/$name.info" || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

rport=$(freeport)
run redis "$rport" redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no
dport=$(freeport)
run darner "$dport" "$DARNER_BIN" --port "$dport" --bind 127.0.0.1 --proactor_threads 1 --log_level warn

# 3. The table.
mkdir -p "$OUT"
res="$OUT/$stamp-$(hostname -s).txt"
{
	echo "bench_engine.sh  $stamp  host $(hostname -s)  kernel $(uname -r)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) CPUs)"
	echo "go: $(go version | cut -d' ' -f3)  redis: $(redis-server --version | cut -d' ' -f3)  darner: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo '+dirty')"
	echo "servers pinned to CPU $SERVER_CPU, redis-benchmark to CPU $CLIENT_CPU; redis-benchmark -P $P -n $N -r $R (3-byte values)"
	echo "Go: BenchmarkHot, -benchtime $GO_BENCHTIME, median of $GO_COUNT, pinned to CPU $SERVER_CPU"
	echo "load average at start $load0, at end $(cut -d' ' -f1-3 /proc/loadavg)"
	[[ -n "${NOTE:-}" ]] && echo "note: $NOTE"
	echo
	printf '%-10s %12s %10s %14s %14s %8s %12s %12s\n' command "go ns/op" allocs/op "darner us/call" "redis us/call" ratio "darner rps" "redis rps"
	for c in "${CMDS[@]}"; do
		gns=$(awk -v c="$c" '$1==c{print $2}' "$work/go.med")
		gal=$(awk -v c="$c" '$1==c{print $3}' "$work/go.med")
		du=$(awk -v c="$c" '$1==c{print $2}' "$work/darner.stats")
		ru=$(awk -v c="$c" '$1==c{print $2}' "$work/redis.stats")
		U=$(echo "$c" | tr a-z A-Z)
		drps=$(awk -F'","' -v c="$U" '{t=$1; sub(/^"/, "", t); split(t, w, " ")} w[1]==c{print $2; exit}' "$work/darner.csv")
		rrps=$(awk -F'","' -v c="$U" '{t=$1; sub(/^"/, "", t); split(t, w, " ")} w[1]==c{print $2; exit}' "$work/redis.csv")
		ratio=$(awk -v d="${du:-0}" -v r="${ru:-0}" 'BEGIN{ if (r > 0) printf "%.2f", d/r; else print "-" }')
		printf '%-10s %12s %10s %14s %14s %8s %12s %12s\n' "$c" "${gns:--}" "${gal:--}" "${du:--}" "${ru:--}" "$ratio" "${drps:--}" "${rrps:--}"
	done
	echo
	echo "ratio = darner usec_per_call / redis usec_per_call (INFO commandstats; < 1: darner spends less time per call)."
	echo "Redis measures each call in whole microseconds (its monotonic clock), darner in nanoseconds; both average over every call of the run."
	echo "rps = redis-benchmark requests/s through the network (client-bound on 2 CPUs). elapsed $(($(date -u +%s) - started)) s"
} | tee "$res"
cp "$res" "$OUT/latest.txt"
echo "bench_engine.sh: wrote $res" >&2
