#!/bin/bash
#
# The live events benchmark, run by hand (never by make check). Makes a
# throwaway instance, serves it with two sccd at once (the second shares
# the cluster the first started, as two machines behind one database
# would), and runs tests/bench/eventgen against both: a thousand users each
# watching on a TLS connection of their own, half on each sccd, while the
# database owner commits a hundred events a second, each for one of them
# at random, and a plain libpq LISTEN client hears the same commits. Then
# a summary: how long an event took from its commit to its watcher, and
# to the listener. Everything is removed at the end.
#
# usage: tests/bench/events.sh [BUILDDIR]
#   BUILDDIR holds sccd and tests/bench/eventgen (default: the current
#   directory).
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [30]      how long the producer commits events
#   BENCH_RATE [100]        transactions a second, one event_add each
#   BENCH_FANOUT [1]        recipients of each: 1 is an event for one user
#                           a transaction; more is one event_add for that
#                           many distinct users, an event row each
#   BENCH_WATCHERS [1000]   users watching, one connection each, spread
#                           evenly over the two sccd
#   BENCH_REPEAT [2]        runs on the same servers, each with fresh users
#   BENCH_GRACE [10]        seconds after the last commit before an event
#                           not yet at its watcher counts as lost
#   BENCH_CONF [""]         lines added to sccd.conf (both sccd read it),
#                           to try a setting: "db_pool = 4"
#   BENCH_DUMP [""]         a directory: keep each run's per-event lines
#                           there (eventgen --dump)
#
set -eu
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)

usage() {
	sed -n '/^# usage:/,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

BUILD=.
if [ $# -gt 0 ]; then
	case $1 in -h|--help) usage ;; esac
	[ -d "$1" ] || usage
	BUILD=$1
	shift
fi
[ $# -eq 0 ] || usage
BUILD=$(cd "$BUILD" && pwd)
SCCD=$BUILD/sccd
EVENTGEN=$BUILD/tests/bench/eventgen
LOADGEN=$BUILD/tests/bench/loadgen	# lib.sh's serve() names it; unused here

SECONDS_EACH=${BENCH_SECONDS:-30}
RATE=${BENCH_RATE:-100}
FANOUT=${BENCH_FANOUT:-1}
WATCHERS=${BENCH_WATCHERS:-1000}
REPEAT=${BENCH_REPEAT:-2}
GRACE=${BENCH_GRACE:-10}
DUMP=${BENCH_DUMP:-}
CONF=${BENCH_CONF:-}
ADMIN_PASSWORD=bench-admin-$$-$RANDOM
# The aim: 99 events in 100 at their watcher within this, none lost.
P99_AIM=100

for n in $SECONDS_EACH $RATE $FANOUT $WATCHERS $REPEAT $GRACE; do
	case $n in
	''|*[!0-9]*)
		echo "events.sh: $n: not a number (see BENCH_* in events.sh)" >&2
		exit 2 ;;
	esac
done
for f in "$SCCD" "$EVENTGEN"; do
	if [ ! -x "$f" ]; then
		echo "events.sh: $f not found; build first (make sccd tests/bench/eventgen)" >&2
		exit 1
	fi
done
if [ -n "$DUMP" ]; then
	mkdir -p "$DUMP"
	DUMP=$(cd "$DUMP" && pwd)
fi
PG_BINDIR=$(pg_config --bindir 2>/dev/null || true)

ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/scc-events.XXXXXX")
chmod 755 "$WORK"
. "$HERE/lib.sh"

# The second sccd, stopped before the first: the first started the cluster
# and stops it when it goes.
SCCD2_PID=
stop_second() {
	if [ -n "$SCCD2_PID" ] && kill -0 "$SCCD2_PID" 2>/dev/null; then
		kill -TERM "$SCCD2_PID"
		for _ in $(seq 1 $((STOP_WAIT * 5))); do
			kill -0 "$SCCD2_PID" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$SCCD2_PID" 2>/dev/null; then
			echo "events.sh: the second sccd did not stop; killing it" >&2
			kill -KILL "$SCCD2_PID" 2>/dev/null || true
		fi
	fi
	SCCD2_PID=
}
cleanup() {
	stop_second
	stop_sccd
	rm -rf "$WORK"
}

# Serve $INST a second time, on another free port; sets SCCD2_PID, PORT2.
serve_second() {
	local log=$INST.serve2.log

	PORT2=$(free_port)
	"$SCCD" serve -D "$INST" --listen "127.0.0.1:$PORT2" > "$log" 2>&1 &
	SCCD2_PID=$!
	for _ in $(seq 1 150); do
		grep -q "serving on" "$log" 2>/dev/null && break
		kill -0 "$SCCD2_PID" 2>/dev/null || { cat "$log" >&2; exit 1; }
		sleep 0.2
	done
	grep -q "serving on" "$log" ||
	    { echo "events.sh: the second sccd did not start" >&2; cat "$log" >&2; exit 1; }
	grep "serving on" "$log" | sed 's/^.*sccd\[info\] /== sccd (second) /'
}

# CPU seconds a process has used (user + system).
cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
	    "/proc/$1/stat" 2>/dev/null || echo 0
}

# CPU seconds of the cluster's processes (postmaster and backends).
pg_cpu_s() {
	local pm total=0 p

	pm=$(head -1 "$INST/pgdata/postmaster.pid" 2>/dev/null) || { echo 0; return; }
	for p in $pm $(pgrep -P "$pm" || true); do
		total=$(calc "$total + $(cpu_s "$p")")
	done
	printf '%.2f' "$total"
}

# ---- the instance, served twice ----

INST=$WORK/inst
SCC_ADMIN_PASSWORD=$ADMIN_PASSWORD "$SCCD" init "$INST" \
    > "$WORK/init.log" 2>&1 || { cat "$WORK/init.log" >&2; exit 1; }
echo "== instance in $INST"
cat >> "$INST/sccd.conf" <<EOF

# benchmark: every connection comes from 127.0.0.1
max_per_address = 20000
max_connections = 20000
threads = 0
db_pool = 2
EOF
if [ -n "$CONF" ]; then
	printf '\n# benchmark: BENCH_CONF\n%s\n' "$CONF" >> "$INST/sccd.conf"
fi

serve
PORT1=$PORT
serve_second
PG="host=$INST/run port=5432 dbname=scc user=scc_owner"

# ---- runs ----

LINES=()
CPU=()
for i in $(seq 1 "$REPEAT"); do
	echo "== run $i of $REPEAT: $WATCHERS watchers on ports $PORT1 and $PORT2," \
	    "$RATE transactions/s of $FANOUT event(s) each for ${SECONDS_EACH}s," \
	    "grace ${GRACE}s"
	args=()
	[ -z "$DUMP" ] || args=(--dump "$DUMP/events-run$i.txt")
	c1=$(cpu_s "$SCCD_PID"); c2=$(cpu_s "$SCCD2_PID"); cp=$(pg_cpu_s)
	rc=0
	line=$("$EVENTGEN" --host 127.0.0.1 --port "$PORT1" --port "$PORT2" \
	    --ca "$INST/tls/ca.crt" --pg "$PG" --watchers "$WATCHERS" \
	    --rate "$RATE" --fanout "$FANOUT" --seconds "$SECONDS_EACH" --grace "$GRACE" \
	    --seed "$i" "${args[@]}") || rc=$?
	[ -n "$line" ] || { echo "events.sh: eventgen failed ($rc)" >&2; exit 1; }
	echo "$line"
	cpu="sccd1_cpu_s=$(calc "round($(cpu_s "$SCCD_PID") - $c1, 2)")"
	cpu="$cpu sccd2_cpu_s=$(calc "round($(cpu_s "$SCCD2_PID") - $c2, 2)")"
	cpu="$cpu postgres_cpu_s=$(calc "round($(pg_cpu_s) - $cp, 2)")"
	echo "$cpu"
	LINES+=("$line")
	CPU+=("$cpu")
done

# ---- what the servers said ----

echo
for log in "$INST.serve.log" "$INST.serve2.log"; do
	n=$(grep -c -v 'sccd\[info\]' "$log" || true)
	echo "== ${log##*/}: $(wc -l < "$log") lines, $n not info"
	grep -v 'sccd\[info\]' "$log" | head -20 || true
done
for s in "$SCCD_PID" "$SCCD2_PID"; do
	kill -0 "$s" 2>/dev/null || echo "== sccd $s is no longer running"
done

# ---- summary ----

echo
echo "== summary ($(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores): $WATCHERS watchers" \
    "over 2 sccd, $RATE transactions/s of $FANOUT event(s) each for ${SECONDS_EACH}s"
echo "latency from the commit's return to the arrival of the line (ms);" \
    "from the send in brackets"
printf '%-4s %6s %6s %5s %4s %5s  %-34s %-22s %-22s %s\n' run sent recv lost dup \
    drop "sccd p50 / p90 / p99 / max" "(send p99 / max)" \
    "LISTEN p50 / p99 / max" "p99<${P99_AIM}, no loss"
i=0
for line in "${LINES[@]}"; do
	i=$((i + 1))
	v=$(verdict "$(field "$line" p99_ms) < $P99_AIM and
	    $(field "$line" lost) == 0 and $(field "$line" duplicates) == 0 and
	    $(field "$line" up) == $WATCHERS and $(field "$line" dropped) == 0")
	printf '%-4s %6s %6s %5s %4s %5s  %-34s %-22s %-22s %s\n' "$i" \
	    "$(field "$line" sent)" "$(field "$line" received)" \
	    "$(field "$line" lost)" "$(field "$line" duplicates)" \
	    "$(field "$line" dropped)" \
	    "$(printf '%.1f / %.1f / %.1f / %.1f' "$(field "$line" p50_ms)" \
	    "$(field "$line" p90_ms)" "$(field "$line" p99_ms)" \
	    "$(field "$line" max_ms)")" \
	    "$(printf '(%.1f / %.1f)' "$(field "$line" send_p99_ms)" \
	    "$(field "$line" send_max_ms)")" \
	    "$(printf '%.2f / %.2f / %.2f' "$(field "$line" listen_p50_ms)" \
	    "$(field "$line" listen_p99_ms)" "$(field "$line" listen_max_ms)")" \
	    "$v"
done
echo
echo "per sccd, from the commit (ms), and the CPU each process used in the run:"
i=0
for line in "${LINES[@]}"; do
	i=$((i + 1))
	printf 'run %s: first p50 / p99 / max %.1f / %.1f / %.1f; second %.1f / %.1f / %.1f; ' \
	    "$i" "$(field "$line" i1_p50_ms)" "$(field "$line" i1_p99_ms)" \
	    "$(field "$line" i1_max_ms)" "$(field "$line" i2_p50_ms)" \
	    "$(field "$line" i2_p99_ms)" "$(field "$line" i2_max_ms)"
	echo "${CPU[$((i - 1))]}"
	printf '       commit (send to answer) p50 / p99 %.2f / %.2f ms;' \
	    "$(field "$line" commit_p50_ms)" "$(field "$line" commit_p99_ms)"
	printf ' %s transactions/s committed; producer late p99 %.1f ms;' \
	    "$(field "$line" tx_per_s)" "$(field "$line" late_p99_ms)"
	echo " misrouted $(field "$line" misrouted), stray $(field "$line" stray)," \
	    "out of order $(field "$line" reordered)"
done
echo "aim: p99 from commit to watcher < $P99_AIM ms, no event lost or" \
    "sent twice, every watcher up to the end"
stop_second
stop_sccd
