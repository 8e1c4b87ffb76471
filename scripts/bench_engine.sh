#!/usr/bin/env bash
# bench_engine.sh — engine-level cost of the hot commands, darner vs
# redis-server, in one run (the entry point of `make bench-engine`).
#
#  1. The Go benchmarks engine/hot_bench_test.go: BenchmarkHot/<cmd> (each
#     hot command through the shard's dispatch path minus the network:
#     table lookup, arity, counters and clock, Run, reply) and
#     BenchmarkHotRun/<cmd> (Run alone, what Redis's usec_per_call times),
#     ns/op and allocs/op, the minimum of GO_COUNT runs.
#  2. redis-server and darner (--proactor_threads 1), each pinned with
#     taskset to SERVER_CPU, loaded by redis-benchmark pinned to CLIENT_CPU:
#       redis-benchmark -t set,get,incr,lpush,lpop,hset,sadd,zadd -P 16 -n N -r 100000 -q --csv
#     then HGET myhash element:__rand_int__, SISMEMBER myset
#     element:__rand_int__ and ZRANGE myzset 0 9 the same way (on the
#     hash, set and zset the -t run left behind); then each server's own
#     INFO commandstats usec_per_call: its time per call, network excluded.
#     ROUNDS rounds, the servers alternating, each round on a fresh server;
#     the table shows the minimum over rounds (a shared machine only ever
#     adds time).
#     Also each server's CPU time (all threads) during each test, per
#     request: the whole cost of a request, network included, which unlike
#     wall-clock figures does not grow when other processes share the CPU.
#  3. A table: command, Go cpu-ns/op (dispatch, and Run alone), Go wall
#     ns/op (dispatch), allocs/op, server CPU ns per request and ratio,
#     darner and redis usec_per_call, ratio darner/redis (< 1: darner
#     spends less time per call). LPUSH/LPOP work on one list that grows
#     to N elements and empties again.
#
# What the two servers' usec_per_call cover differs a little: Redis times
# the command procedure alone (two clock reads around c->cmd->proc);
# darner reads the clock once per command and starts a command's time at
# the end of the previous one in the same batch (engine/stats.go), so with
# -P 16 its usec_per_call also holds the parsing and routing of the
# command (compare BenchmarkHot with BenchmarkHotRun for their size).
#
# Results go to benchmarks/results/engine/<UTC stamp>-<host>.txt (and
# latest.txt). Bounded: about two minutes on a 2-CPU VM.
#
# Environment: N (requests per redis-benchmark test, default 200000),
# P (pipeline, 16), ROUNDS (3), GO_BENCHTIME (100000x), GO_COUNT (2),
# SERVER_CPU (0), CLIENT_CPU (1), DARNER_BIN (default: built from this
# tree), BASE_BIN (another darner binary to run in the same rounds, e.g.
# a build from before a change; BASE_NOTE says what it is), OUT (result
# directory), NOTE (a line for the result's header).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--ldflags=-checklinkname=0}"

N=${N:-200000}
P=${P:-16}
R=100000
GO_BENCHTIME=${GO_BENCHTIME:-100000x}
ROUNDS=${ROUNDS:-3}
GO_COUNT=${GO_COUNT:-2}
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
echo "== go test -bench 'BenchmarkHot(Run)?' (benchtime $GO_BENCHTIME, count $GO_COUNT, CPU $SERVER_CPU)" >&2
go test -c -o "$work/engine.test" ./engine
(cd engine && taskset -c "$SERVER_CPU" "$work/engine.test" -test.run '^$' -test.bench '^BenchmarkHot(Run)?$' -test.benchmem \
	-test.benchtime "$GO_BENCHTIME" -test.count "$GO_COUNT" -test.cpu 1 >"$work/go.txt")
grep '^BenchmarkHot' "$work/go.txt" >&2
# per command: min ns/op and min cpu-ns/op of BenchmarkHot and of
# BenchmarkHotRun, max allocs/op
awk '/^BenchmarkHot(Run)?\//{ split($1, a, "/"); n=a[2]; sub(/-[0-9]+$/, "", n); k=(a[1]=="BenchmarkHot") ? "d" : "r"; seen[n]=1
	for (i=4;i<=NF;i++) {
		u=$(i); v=$(i-1)+0
		if (u=="ns/op" || u=="cpu-ns/op") { key=k SUBSEP u SUBSEP n; if (!(key in m) || v < m[key]) m[key]=v }
		if (u=="allocs/op" && v > al[n]+0) al[n]=v
	} }
	END { for (n in seen) printf "%s %.0f %.0f %.0f %d\n", n, m["d", "cpu-ns/op", n], m["r", "cpu-ns/op", n], m["d", "ns/op", n], al[n] }' "$work/go.txt" >"$work/go.min"

# 2. The servers under redis-benchmark.
[[ -n "${DARNER_BIN:-}" ]] || {
	DARNER_BIN=$work/darner
	go build -o "$DARNER_BIN" ./cmd/darner
}

# cpuns PID: the CPU time all of PID's threads have run, in ns
# (schedstat; on a busy machine, unlike wall time, it does not count the
# time others held the CPU).
cpuns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'
}

# run NAME PORT ROUND CMD...: start the server pinned, load it, read its
# CPU time per request and its commandstats.
run() {
	local name=$1 port=$2 round=$3
	shift 3
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
	echo "== $name round $round" >&2
	local rb=(taskset -c "$CLIENT_CPU" redis-benchmark -h 127.0.0.1 -p "$port" -P "$P" -n "$N" -r "$R" -q --csv)
	# one redis-benchmark per test, in redis-benchmark's own order, so
	# that the server's CPU time can be read around each
	local t c0 c1 cmd
	for t in ${TESTS//,/ } "${CUSTOM[@]}"; do
		cmd=${t%% *}
		c0=$(cpuns "$pid")
		if [[ $t == *" "* ]]; then
			# shellcheck disable=SC2086
			"${rb[@]}" $t | grep -v '^"test"' >>"$work/$name.csv"
		else
			"${rb[@]}" -t "$t" | grep -v '^"test"' >>"$work/$name.csv"
		fi
		c1=$(cpuns "$pid")
		echo "${cmd,,} $(((c1 - c0) / N))" >>"$work/$name.cpu"
	done
	redis-cli -p "$port" info commandstats | tr -d '\r' |
		sed -n 's/^cmdstat_\([a-z]*\):calls=\([0-9]*\),usec=[0-9]*,usec_per_call=\([0-9.]*\).*/\1 \3 \2/p' >>"$work/$name.stats"
	tail -n 11 "$work/$name.stats" | tr '\n' ' ' >&2
	echo >&2
	redis-cli -p "$port" info server | tr -d '\r' | grep -E '^(redis_version|darner_version|os):' >"$work/$name.info" || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

for ((r = 1; r <= ROUNDS; r++)); do
	rport=$(freeport)
	run redis "$rport" "$r" redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no
	dport=$(freeport)
	run darner "$dport" "$r" "$DARNER_BIN" --port "$dport" --bind 127.0.0.1 --proactor_threads 1 --log_level warn
	if [[ -n "${BASE_BIN:-}" ]]; then
		bport=$(freeport)
		run base "$bport" "$r" "$BASE_BIN" --port "$bport" --bind 127.0.0.1 --proactor_threads 1 --log_level warn
	fi
done
# min usec_per_call per command over rounds; max rps per test
names=(redis darner)
[[ -n "${BASE_BIN:-}" ]] && names+=(base)
for name in "${names[@]}"; do
	awk '{ if (!($1 in m) || $2+0 < m[$1]+0) m[$1]=$2 } END { for (c in m) print c, m[c] }' "$work/$name.stats" >"$work/$name.min"
	awk -F'","' '$1!="\"test" { t=$1; sub(/^"/, "", t); split(t, w, " "); c=tolower(w[1]); if ($2+0 > m[c]+0) m[c]=$2 }
		END { for (c in m) print c, m[c] }' "$work/$name.csv" >"$work/$name.rps"
	awk '{ if (!($1 in m) || $2+0 < m[$1]+0) m[$1]=$2 } END { for (c in m) print c, m[c] }' "$work/$name.cpu" >"$work/$name.cpumin"
done

# 3. The table.
mkdir -p "$OUT"
res="$OUT/$stamp-$(hostname -s).txt"
{
	echo "bench_engine.sh  $stamp  host $(hostname -s)  kernel $(uname -r)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) CPUs)"
	echo "go: $(go version | cut -d' ' -f3)  redis: $(redis-server --version | cut -d' ' -f3)  darner: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo '+dirty')"
	echo "servers pinned to CPU $SERVER_CPU, redis-benchmark to CPU $CLIENT_CPU; redis-benchmark -P $P -n $N -r $R (3-byte values); min over $ROUNDS rounds"
	echo "Go: BenchmarkHot (dispatch) and BenchmarkHotRun (Run alone), -benchtime $GO_BENCHTIME, min of $GO_COUNT, pinned to CPU $SERVER_CPU;"
	echo "    cpu-ns = the benchmark thread's CPU time per command, wall = ns/op (also counts other processes' turns on the CPU)"
	echo "load average at start $load0, at end $(cut -d' ' -f1-3 /proc/loadavg)"
	[[ -n "${NOTE:-}" ]] && echo "note: $NOTE"
	echo
	printf '%-10s %8s %8s %8s %6s | %7s %7s %6s | %8s %8s %6s | %8s %8s\n' "" "go" "go Run" "go" "" "darner" "redis" "" "darner" "redis" "" "darner" "redis"
	printf '%-10s %8s %8s %8s %6s | %7s %7s %6s | %8s %8s %6s | %8s %8s\n' command "cpu-ns" "cpu-ns" "wall-ns" allocs "us/call" "us/call" ratio "cpu-ns" "cpu-ns" ratio "krps" "krps"
	for c in "${CMDS[@]}"; do
		read -r gd gr gw gal < <(awk -v c="$c" '$1==c{print $2, $3, $4, $5}' "$work/go.min")
		du=$(awk -v c="$c" '$1==c{print $2}' "$work/darner.min")
		ru=$(awk -v c="$c" '$1==c{print $2}' "$work/redis.min")
		drps=$(awk -v c="$c" '$1==c{printf "%.0f", $2/1000}' "$work/darner.rps")
		rrps=$(awk -v c="$c" '$1==c{printf "%.0f", $2/1000}' "$work/redis.rps")
		dc=$(awk -v c="$c" '$1==c{print $2}' "$work/darner.cpumin")
		rc=$(awk -v c="$c" '$1==c{print $2}' "$work/redis.cpumin")
		ratio=$(awk -v d="${du:-0}" -v r="${ru:-0}" 'BEGIN{ if (r > 0) printf "%.2f", d/r; else print "-" }')
		cratio=$(awk -v d="${dc:-0}" -v r="${rc:-0}" 'BEGIN{ if (r > 0) printf "%.2f", d/r; else print "-" }')
		printf '%-10s %8s %8s %8s %6s | %7s %7s %6s | %8s %8s %6s | %8s %8s\n' "$c" "${gd:--}" "${gr:--}" "${gw:--}" "${gal:--}" \
			"${du:--}" "${ru:--}" "$ratio" "${dc:--}" "${rc:--}" "$cratio" "${drps:--}" "${rrps:--}"
	done
	echo
	if [[ -n "${BASE_BIN:-}" ]]; then
		echo
		echo "base = $BASE_BIN ($BASE_NOTE), in the same rounds:"
		printf '%-10s %14s %14s %14s %14s\n' command "base us/call" "darner us/call" "base cpu-ns" "darner cpu-ns"
		for c in "${CMDS[@]}"; do
			printf '%-10s %14s %14s %14s %14s\n' "$c" "$(awk -v c="$c" '$1==c{print $2}' "$work/base.min")" \
				"$(awk -v c="$c" '$1==c{print $2}' "$work/darner.min")" "$(awk -v c="$c" '$1==c{print $2}' "$work/base.cpumin")" \
				"$(awk -v c="$c" '$1==c{print $2}' "$work/darner.cpumin")"
		done
		echo
	fi
	echo "us/call = INFO commandstats usec_per_call; its ratio = darner / redis (< 1: darner spends less time per call)."
	echo "server cpu-ns = the server process's CPU time (all threads, /proc schedstat) during that redis-benchmark test / requests:"
	echo "  the whole per-request cost, network and parsing included; ratio = darner / redis. Less distorted by other load than us/call."
	echo "Redis times each call's procedure (microsecond clock, averaged over every call); darner's time per call also holds the"
	echo "parsing and routing of a pipelined command (one clock read per command; see the header of scripts/bench_engine.sh)."
	echo "rps = redis-benchmark requests/s through the network, best round (client-bound on 2 CPUs). elapsed $(($(date -u +%s) - started)) s"
} | tee "$res"
cp "$res" "$OUT/latest.txt"
echo "bench_engine.sh: wrote $res" >&2
