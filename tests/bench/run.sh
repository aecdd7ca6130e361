#!/bin/bash
#
# Benchmarks for sccd, run by hand (never by make check). Makes a throwaway
# instance, serves it on a free port, measures it with tests/bench/loadgen and
# pgbench, prints a summary against the aims, then stops and removes it all.
#
# usage: tests/bench/run.sh [BUILDDIR]
#   BUILDDIR holds sccd and tests/bench/loadgen (default: the current
#   directory). Environment: BENCH_SECONDS (10), BENCH_CLIENTS (32),
#   BENCH_IDLE (10000), BENCH_BAD (50), BENCH_STORM_CLIENTS (8).
#
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-.}" && pwd)
SCCD=$BUILD/sccd
LOADGEN=$BUILD/tests/bench/loadgen
SECONDS_EACH=${BENCH_SECONDS:-10}
CLIENTS=${BENCH_CLIENTS:-32}
IDLE=${BENCH_IDLE:-10000}
BAD=${BENCH_BAD:-50}
STORM_CLIENTS=${BENCH_STORM_CLIENTS:-8}
ADMIN_PASSWORD=bench-admin-$$-$RANDOM
DEMO_PASSWORD=bench-demo-$$-$RANDOM

for f in "$SCCD" "$LOADGEN"; do
	if [ ! -x "$f" ]; then
		echo "run.sh: $f not found; build first (make sccd tests/bench/loadgen)" >&2
		exit 1
	fi
done
PG_BINDIR=$(pg_config --bindir 2>/dev/null || true)
PGBENCH=$PG_BINDIR/pgbench
[ -x "$PGBENCH" ] || PGBENCH=$(command -v pgbench || true)
if [ -z "$PGBENCH" ] || [ ! -x "$PGBENCH" ]; then
	echo "run.sh: pgbench not found" >&2
	exit 1
fi

# Both sccd and loadgen need a descriptor per connection.
ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/scc-bench.XXXXXX")
# As root the instance belongs to postgres, which must reach it.
chmod 755 "$WORK"
INST=$WORK/inst
SCCD_PID=

cleanup() {
	if [ -n "$SCCD_PID" ] && kill -0 "$SCCD_PID" 2>/dev/null; then
		kill -TERM "$SCCD_PID"
		for _ in $(seq 1 100); do
			kill -0 "$SCCD_PID" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$SCCD_PID" 2>/dev/null; then
			echo "run.sh: sccd did not stop on SIGTERM; killing it" >&2
			kill -KILL "$SCCD_PID" 2>/dev/null || true
		fi
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Run a command as the account that owns the instance.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$(stat -c %U "$INST")" -- "$@"
	else
		"$@"
	fi
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Pull name=value out of a loadgen line.
field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

echo "== instance in $WORK"
SCC_ADMIN_PASSWORD=$ADMIN_PASSWORD SCC_DEMO_PASSWORD=$DEMO_PASSWORD \
    "$SCCD" init "$INST" --demo > "$WORK/init.log" 2>&1 ||
    { cat "$WORK/init.log" >&2; exit 1; }
cat >> "$INST/sccd.conf" <<EOF

# benchmark: one address opens thousands of sessions and fails logins on
# purpose; the lockout must not stop the hashing the storm is there to cause.
max_per_address = 20000
max_connections = 20000
login_max_address = 100000
login_max_failures = 1000
hash_workers = 1
threads = 0
EOF

PORT=$(free_port)
"$SCCD" serve -D "$INST" --listen "127.0.0.1:$PORT" > "$WORK/serve.log" 2>&1 &
SCCD_PID=$!
for _ in $(seq 1 150); do
	grep -q "serving on" "$WORK/serve.log" 2>/dev/null && break
	kill -0 "$SCCD_PID" 2>/dev/null ||
	    { cat "$WORK/serve.log" >&2; exit 1; }
	sleep 0.2
done
grep -q "serving on" "$WORK/serve.log" ||
    { echo "run.sh: sccd did not start" >&2; cat "$WORK/serve.log" >&2; exit 1; }
grep "serving on" "$WORK/serve.log" | sed 's/^.*sccd\[info\] /== sccd /'

LG=("$LOADGEN" --host 127.0.0.1 --port "$PORT" --ca "$INST/tls/ca.crt")
TOKENLINE=$("${LG[@]}" --user admin --password "$ADMIN_PASSWORD" token)
TOKEN=$(field "$TOKENLINE" token)
HASH=$(field "$TOKENLINE" sha256)
LG+=(--user admin --token "$TOKEN")

echo "== rate: $CLIENTS clients, ${SECONDS_EACH}s each"
NOOP=$("${LG[@]}" rate --clients "$CLIENTS" --seconds "$SECONDS_EACH" --command NOOP)
echo "$NOOP"
# Sample the CPU split half way through the WHOAMI run, for the report.
( sleep $((SECONDS_EACH / 2 + 1)); top -H -b -d 1 -n 2 -w 200 > "$WORK/top.txt" 2>&1 ) &
TOP_PID=$!
WHOAMI=$("${LG[@]}" rate --clients "$CLIENTS" --seconds "$SECONDS_EACH" --command WHOAMI)
echo "$WHOAMI"
wait "$TOP_PID" || true

echo "== pgbench: api.whoami as scc_app, $CLIENTS clients, 2 threads"
# A copy the instance's owner can read, whatever the source tree's modes.
cp "$HERE/whoami.sql" "$WORK/whoami.sql"
chmod 644 "$WORK/whoami.sql"
as_owner "$PGBENCH" -h "$INST/run" -U scc_app -n -M prepared -c "$CLIENTS" -j 2 \
    -T "$SECONDS_EACH" -D "token_hash=\\x$HASH" -f "$WORK/whoami.sql" scc \
    > "$WORK/pgbench.log" 2>&1 || { cat "$WORK/pgbench.log" >&2; exit 1; }
PG_TPS=$(sed -n 's/^tps = \([0-9]*\.[0-9]\).*/\1/p' "$WORK/pgbench.log")
PG_LAT=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$WORK/pgbench.log")
echo "pgbench clients=$CLIENTS threads=2 seconds=$SECONDS_EACH tps=$PG_TPS latency_avg_ms=$PG_LAT"

echo "== idle: $IDLE sessions"
IDLELINE=$("${LG[@]}" idle --clients "$IDLE" --pid "$SCCD_PID")
echo "$IDLELINE"

echo "== storm: $BAD bad logins beside $STORM_CLIENTS NOOP sessions, ${SECONDS_EACH}s"
STORM=$("${LG[@]}" storm --clients "$STORM_CLIENTS" --bad "$BAD" --seconds "$SECONDS_EACH")
echo "$STORM"

WHOAMI_RPS=$(field "$WHOAMI" rps)
PER_SESSION=$(field "$IDLELINE" per_session_kib)
SESSIONS=$(field "$IDLELINE" sessions)
STORM_P99=$(field "$STORM" p99_ms)

verdict() {	# verdict EXPR -> met/MISSED
	if python3 -c "import sys; sys.exit(0 if ($1) else 1)"; then
		echo met
	else
		echo MISSED
	fi
}
RATIO=$(python3 -c "print('%.2f' % ($WHOAMI_RPS / $PG_TPS))")
V1=$(verdict "$WHOAMI_RPS >= 0.6 * $PG_TPS")
V2=$(verdict "$PER_SESSION < 64")
V3=$(verdict "$STORM_P99 < 20")

echo
echo "== summary ($(date -u +%Y-%m-%d), $(nproc) cores)"
printf '%-44s %-22s %-14s %s\n' "figure" "measured" "aim" "verdict"
printf '%-44s %-22s %-14s %s\n' "NOOP rps, $CLIENTS clients" "$(field "$NOOP" rps)" "-" "-"
printf '%-44s %-22s %-14s %s\n' "WHOAMI rps / pgbench tps, $CLIENTS clients" \
    "$WHOAMI_RPS / $PG_TPS = $RATIO" ">= 0.60" "$V1"
printf '%-44s %-22s %-14s %s\n' "server KiB per idle session ($SESSIONS up)" \
    "$PER_SESSION" "< 64" "$V2"
printf '%-44s %-22s %-14s %s\n' "NOOP p99 ms during login storm" "$STORM_P99" "< 20" "$V3"

if [ "$V1" != met ]; then
	echo
	echo "== busiest threads during the WHOAMI run (top -H, second sample)"
	awk '/^top -/ { n++ } n == 2' "$WORK/top.txt" | sed -n '7,20p'
fi
