#!/bin/bash
#
# Benchmarks for sccd, run by hand (never by make check). Makes throwaway
# instances, serves them on free ports, measures them with tests/bench/loadgen
# and pgbench, prints a summary against the aims, then stops and removes it
# all.
#
# usage: tests/bench/run.sh [BUILDDIR] [whoami] [idle] [storm] [login]
#   BUILDDIR holds sccd and tests/bench/loadgen (default: the current
#   directory). Name benchmarks to run only those; the default is all four,
#   in that order.
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [10]        length of each measured window
#   BENCH_REPEAT [3]          WHOAMI runs per load and side; medians compared
#   BENCH_LOADS ["8 32 256"]  clients for WHOAMI and pgbench, one run each
#                             (BENCH_CLIENTS, if set alone, is the one load)
#   BENCH_NOOP_CLIENTS [32]   clients for the NOOP run
#   BENCH_IDLE [10000]        idle sessions
#   BENCH_BAD [50]            bad-login connections in the storm
#   BENCH_STORM_CLIENTS [8]   NOOP sessions beside them
#   BENCH_ATTACKERS ["0 50 300"]  attackers per login run; 0 is the run
#                             without attack, the real user alone
#   BENCH_ATTACK_MODES ["spray one-name"]
#   BENCH_WARMUP [5 + attackers/15] seconds of attack before the login
#                             window: each new address's first guess is
#                             hashed like any login (nothing tells it from
#                             one); the window measures the attack once
#                             every address has failed and is penalised
#   BENCH_LOGIN_SECONDS [BENCH_SECONDS]
#   BENCH_EVERY_MS [200]      the real user logs in this often
#   BENCH_LOGIN_CONF [""]     lines added to sccd.conf for the login runs
#
set -eu
# Numbers as pgbench prints them and printf reads them, whatever the locale.
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)

usage() {	# the comment at the top, from "usage:" on
	awk '/^# usage:/ { p = 1 } /^set -eu/ { exit } p' "$0" |
	    sed 's/^# \{0,1\}//'
}

BUILD=.
WANT=
for arg in "$@"; do
	case $arg in
	whoami|idle|storm|login)
		WANT="$WANT $arg" ;;
	-h|--help)
		usage
		exit 0 ;;
	*)
		if [ ! -d "$arg" ]; then
			echo "run.sh: $arg: not a benchmark or a directory" >&2
			usage >&2
			exit 2
		fi
		BUILD=$arg ;;
	esac
done
[ -n "$WANT" ] || WANT="whoami idle storm login"
wanted() {
	case " $WANT " in *" $1 "*) return 0 ;; esac
	return 1
}

BUILD=$(cd "$BUILD" && pwd)
SCCD=$BUILD/sccd
LOADGEN=$BUILD/tests/bench/loadgen
SECONDS_EACH=${BENCH_SECONDS:-10}
REPEAT=${BENCH_REPEAT:-3}
LOADS=${BENCH_LOADS:-${BENCH_CLIENTS:-8 32 256}}
NOOP_CLIENTS=${BENCH_NOOP_CLIENTS:-32}
IDLE=${BENCH_IDLE:-10000}
BAD=${BENCH_BAD:-50}
STORM_CLIENTS=${BENCH_STORM_CLIENTS:-8}
ATTACKERS=${BENCH_ATTACKERS:-0 50 300}
ATTACK_MODES=${BENCH_ATTACK_MODES:-spray one-name}
WARMUP=${BENCH_WARMUP:-}
LOGIN_SECONDS=${BENCH_LOGIN_SECONDS:-$SECONDS_EACH}
EVERY_MS=${BENCH_EVERY_MS:-200}
LOGIN_CONF=${BENCH_LOGIN_CONF:-}
ADMIN_PASSWORD=bench-admin-$$-$RANDOM
DEMO_PASSWORD=bench-demo-$$-$RANDOM
# Demo accounts (sccd init --demo): the real user who logs in during the
# attacks, and the account one-name mode guesses. They must differ.
REAL_USER=head.oakfield
TARGET=head.riverside
# After an attack sccd drains its queue of password checks before it stops.
STOP_WAIT=120

for n in $SECONDS_EACH $REPEAT $LOADS $NOOP_CLIENTS $IDLE $BAD $STORM_CLIENTS \
    $ATTACKERS ${WARMUP:-0} $LOGIN_SECONDS $EVERY_MS; do
	case $n in
	''|*[!0-9]*)
		echo "run.sh: $n: not a number (see BENCH_* in run.sh)" >&2
		exit 2 ;;
	esac
done
for m in $ATTACK_MODES; do
	case $m in
	spray|one-name) ;;
	*) echo "run.sh: $m: attack modes are spray and one-name" >&2; exit 2 ;;
	esac
done

for f in "$SCCD" "$LOADGEN"; do
	if [ ! -x "$f" ]; then
		echo "run.sh: $f not found; build first (make sccd tests/bench/loadgen)" >&2
		exit 1
	fi
done
PG_BINDIR=$(pg_config --bindir 2>/dev/null || true)
PGBENCH=$PG_BINDIR/pgbench
[ -x "$PGBENCH" ] || PGBENCH=$(command -v pgbench || true)
if wanted whoami && { [ -z "$PGBENCH" ] || [ ! -x "$PGBENCH" ]; }; then
	echo "run.sh: pgbench not found" >&2
	exit 1
fi

# Both sccd and loadgen need a descriptor per connection.
ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/scc-bench.XXXXXX")
# As root the instance belongs to postgres, which must reach it.
chmod 755 "$WORK"
. "$HERE/lib.sh"

ms() {	# ms VALUE: milliseconds as the summary shows them
	printf '%.1f' "$1"
}

# The ratio sccd/pgbench each load aims at. Few clients: the extra hop
# costs, but no more than a fifth. 32: no worse than the foundation's
# server, which measured 0.75 to 0.81 here (README.md, 22 November). Many:
# sccd multiplexes them onto a few database connections, as PgBouncer does,
# so it should at least keep pgbench's own pace.
ratio_aim() {	# ratio_aim CLIENTS
	if [ "$1" -le 8 ]; then echo 0.80
	elif [ "$1" -le 32 ]; then echo 0.80
	else echo 1.00
	fi
}

# A fresh demo instance in $WORK/NAME; INST names it.
instance_new() {
	INST=$WORK/$1
	SCC_ADMIN_PASSWORD=$ADMIN_PASSWORD SCC_DEMO_PASSWORD=$DEMO_PASSWORD \
	    "$SCCD" init "$INST" --demo > "$WORK/$1-init.log" 2>&1 ||
	    { cat "$WORK/$1-init.log" >&2; exit 1; }
}

# ---- whoami, idle, storm: one instance ----

MAXLOAD=0
for n in $LOADS $NOOP_CLIENTS $STORM_CLIENTS; do
	[ "$n" -gt "$MAXLOAD" ] && MAXLOAD=$n
done

# On two cores the scheduler's placement of sccd, PostgreSQL and the load
# generator moves single runs by a quarter either way: each side runs
# REPEAT times, alternating, and the medians are compared.
run_whoami() {	# run_whoami CLIENTS: WHOAMI through sccd, then pgbench
	local n=$1 line pg_tps pg_lat threads=2 i lines='' pglines='' top_pid

	[ "$n" -lt "$threads" ] && threads=$n
	for i in $(seq 1 "$REPEAT"); do
		echo "== WHOAMI: $n clients, ${SECONDS_EACH}s (run $i of $REPEAT)"
		top_pid=
		if [ "$i" -eq 1 ]; then
			# Sample the CPU split half way through, for the report.
			( sleep $((SECONDS_EACH / 2 + 1))
			  top -H -b -d 1 -n 2 -w 200 > "$WORK/top-$n.txt" 2>&1 ) &
			top_pid=$!
		fi
		line=$("${LG[@]}" rate --clients "$n" --seconds "$SECONDS_EACH" \
		    --command WHOAMI)
		echo "$line"
		lines="$lines$line
"
		[ -z "$top_pid" ] || wait "$top_pid" || true

		echo "== pgbench: api.whoami as scc_app, $n clients (run $i of $REPEAT)"
		as_owner "$PGBENCH" -h "$INST/run" -U scc_app -n -M prepared \
		    -c "$n" -j "$threads" -T "$SECONDS_EACH" \
		    -D "token_hash=\\x$HASH" -f "$WORK/whoami.sql" scc \
		    > "$WORK/pgbench-$n.log" 2>&1 ||
		    { cat "$WORK/pgbench-$n.log" >&2; exit 1; }
		pg_tps=$(sed -n 's/^tps = \([0-9]*\.[0-9]\).*/\1/p' "$WORK/pgbench-$n.log")
		pg_lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$WORK/pgbench-$n.log")
		line="pgbench clients=$n threads=$threads seconds=$SECONDS_EACH tps=$pg_tps latency_avg_ms=$pg_lat"
		echo "$line"
		pglines="$pglines$line
"
	done
	line=$(printf '%s' "$lines" | median_by rps)
	WHOAMI_LINE[$n]=$line
	line=$(printf '%s' "$pglines" | median_by tps)
	PG_TPS[$n]=$(field "$line" tps)
	PG_LAT[$n]=$(field "$line" latency_avg_ms)
}

declare -A WHOAMI_LINE PG_TPS PG_LAT
NOOP=''
IDLELINE=''
STORM=''

if wanted whoami || wanted idle || wanted storm; then
	instance_new inst
	echo "== instance in $INST"
	cat >> "$INST/sccd.conf" <<EOF

# benchmark: one address opens thousands of sessions and fails logins on
# purpose; the lockout must not stop the hashing the storm is there to cause.
max_per_address = 20000
max_connections = 20000
login_max_address = 100000
login_max_failures = 1000
hash_workers = 1
threads = 0
db_pool = 2
EOF
	# pgbench takes a backend per client, beside sccd's own connections
	# and the ones PostgreSQL keeps for superusers.
	cat >> "$INST/pgdata/postgresql.conf" <<EOF

# benchmark: room for pgbench's clients
max_connections = $((MAXLOAD + 50))
EOF
	serve
	TOKENLINE=$("${LG[@]}" --user admin --password "$ADMIN_PASSWORD" token)
	TOKEN=$(field "$TOKENLINE" token)
	HASH=$(field "$TOKENLINE" sha256)
	LG+=(--user admin --token "$TOKEN")
	# A copy the instance's owner can read, whatever the source tree's modes.
	cp "$HERE/whoami.sql" "$WORK/whoami.sql"
	chmod 644 "$WORK/whoami.sql"

	if wanted whoami; then
		echo "== NOOP: $NOOP_CLIENTS clients, ${SECONDS_EACH}s"
		NOOP=$("${LG[@]}" rate --clients "$NOOP_CLIENTS" \
		    --seconds "$SECONDS_EACH" --command NOOP)
		echo "$NOOP"
		for n in $LOADS; do
			run_whoami "$n"
		done
	fi
	if wanted idle; then
		echo "== idle: $IDLE sessions"
		IDLELINE=$("${LG[@]}" idle --clients "$IDLE" --pid "$SCCD_PID")
		echo "$IDLELINE"
	fi
	if wanted storm; then
		echo "== storm: $BAD bad logins beside $STORM_CLIENTS NOOP sessions, ${SECONDS_EACH}s"
		STORM=$("${LG[@]}" storm --clients "$STORM_CLIENTS" --bad "$BAD" \
		    --seconds "$SECONDS_EACH")
		echo "$STORM"
	fi
	stop_sccd
fi

# ---- login: a fresh instance for every run ----

# Each run starts from a clean slate: failed logins are remembered per
# address and per name for the whole window, and one run's locks would
# otherwise decide the next one's answers.
LOGIN_RUNS=()
declare -A LOGIN_LINE
run_login() {	# run_login ATTACKERS MODE
	local n=$1 mode=$2 key line args=() warmup=$WARMUP

	[ -n "$warmup" ] || warmup=$((5 + n / 15))
	key="$mode $n"
	[ "$n" -eq 0 ] && key="no attack"
	instance_new "login-$n-$mode"
	if [ -n "$LOGIN_CONF" ]; then
		printf '\n# benchmark: BENCH_LOGIN_CONF\n%s\n' "$LOGIN_CONF" \
		    >> "$INST/sccd.conf"
	fi
	echo "== login: $key; $warmup s warm-up, ${LOGIN_SECONDS}s measured"
	serve
	[ "$mode" = one-name ] && args=(--target "$TARGET")
	line=$(LOADGEN_PASSWORD=$DEMO_PASSWORD "${LG[@]}" --user "$REAL_USER" \
	    attack --attackers "$n" --attack-mode "$mode" "${args[@]}" \
	    --warmup "$warmup" --seconds "$LOGIN_SECONDS" --every "$EVERY_MS")
	echo "$line"
	stop_sccd
	rm -rf "$INST"
	LOGIN_RUNS+=("$key")
	LOGIN_LINE[$key]=$line
}

if wanted login; then
	for n in $ATTACKERS; do
		if [ "$n" -eq 0 ]; then
			run_login 0 spray
			continue
		fi
		for mode in $ATTACK_MODES; do
			run_login "$n" "$mode"
		done
	done
fi

# ---- summary ----

echo
echo "== summary ($(date -u +%Y-%m-%d), $(nproc) cores)"
MISSED_LOADS=
if wanted whoami; then
	echo
	echo "WHOAMI through sccd against the same query from pgbench, per load"
	printf '%-8s %-10s %-16s %-10s %-14s %-8s %-8s %s\n' clients "sccd rps" \
	    "p50 / p99 ms" "pgbench" "mean lat ms" ratio aim verdict
	for n in $LOADS; do
		line=${WHOAMI_LINE[$n]}
		rps=$(field "$line" rps)
		ratio=$(calc "'%.2f' % ($rps / ${PG_TPS[$n]})")
		aim=$(ratio_aim "$n")
		v=$(verdict "$rps >= $aim * ${PG_TPS[$n]}")
		[ "$v" = met ] || MISSED_LOADS="$MISSED_LOADS $n"
		printf '%-8s %-10s %-16s %-10s %-14s %-8s %-8s %s\n' "$n" "$rps" \
		    "$(printf '%.2f / %.1f' "$(field "$line" p50_ms)" \
		    "$(field "$line" p99_ms)")" \
		    "${PG_TPS[$n]}" "${PG_LAT[$n]}" "$ratio" ">= $aim" "$v"
	done
	echo "NOOP, $NOOP_CLIENTS clients: $(field "$NOOP" rps) rps," \
	    "p50 / p99 $(field "$NOOP" p50_ms) / $(field "$NOOP" p99_ms) ms"
fi
if wanted idle || wanted storm; then
	echo
	printf '%-44s %-22s %-14s %s\n' "figure" "measured" "aim" "verdict"
fi
if wanted idle; then
	PER_SESSION=$(field "$IDLELINE" per_session_kib)
	printf '%-44s %-22s %-14s %s\n' \
	    "server KiB per idle session ($(field "$IDLELINE" sessions) up)" \
	    "$PER_SESSION" "< 64" "$(verdict "$PER_SESSION < 64")"
fi
if wanted storm; then
	STORM_P99=$(field "$STORM" p99_ms)
	printf '%-44s %-22s %-14s %s\n' "NOOP p99 ms during login storm" \
	    "$STORM_P99" "< 20" "$(verdict "$STORM_P99 < 20")"
fi
if wanted login; then
	echo
	echo "The real user: LOGIN on a fresh connection every ${EVERY_MS} ms, then LOGOUT"
	echo "Aim: p99 under 1000 ms and every login OK, whatever the attack"
	printf '%-16s %7s %10s %10s %10s  %-8s %s\n' attack logins "p50 ms" \
	    "p99 ms" "max ms" verdict "not OK"
	for key in "${LOGIN_RUNS[@]}"; do
		line=${LOGIN_LINE[$key]}
		notok=$(field "$line" user_not_ok)
		v=$(verdict "$(field "$line" user_p99_ms) < 1000 and $notok == 0 and $(field "$line" user_logins) > 0")
		why=
		for o in authfailed locked limit other bye closed timeout; do
			c=$(field "$line" "user_$o")
			[ "$c" -gt 0 ] && why="$why, $o $c"
		done
		[ -n "$why" ] && notok="$notok (${why#, })"
		printf '%-16s %7s %10s %10s %10s  %-8s %s\n' "$key" \
		    "$(field "$line" user_logins)" \
		    "$(ms "$(field "$line" user_p50_ms)")" \
		    "$(ms "$(field "$line" user_p99_ms)")" \
		    "$(ms "$(field "$line" user_max_ms)")" "$v" "$notok"
	done
	echo
	echo "The attackers, over the same window: answers by code"
	printf '%-16s %10s %9s %10s %8s %8s %6s %6s %7s %9s\n' attack \
	    "answers/s" "p50 ms" authfailed locked limit other bye closed \
	    reconnects
	for key in "${LOGIN_RUNS[@]}"; do
		line=${LOGIN_LINE[$key]}
		[ "$(field "$line" attackers)" -gt 0 ] || continue
		printf '%-16s %10s %9s %10s %8s %8s %6s %6s %7s %9s\n' "$key" \
		    "$(field "$line" attack_rps)" \
		    "$(ms "$(field "$line" attack_p50_ms)")" \
		    "$(field "$line" attack_authfailed)" \
		    "$(field "$line" attack_locked)" \
		    "$(field "$line" attack_limit)" \
		    "$(field "$line" attack_other)" \
		    "$(field "$line" attack_bye)" \
		    "$(field "$line" attack_closed)" \
		    "$(field "$line" attack_connects)"
	done
fi

for n in $MISSED_LOADS; do
	echo
	echo "== busiest threads during the WHOAMI run at $n clients (top -H, second sample)"
	awk '/^top -/ { n++ } n == 2' "$WORK/top-$n.txt" | sed -n '7,20p'
done
