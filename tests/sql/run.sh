#!/bin/sh
# SQL tests of the schema and the api functions, on a throwaway cluster:
#  - the migrations of sql/ are applied as sccd applies them (each file in
#    its own transaction, recorded in scc.schema_migrations), to two
#    databases, since the role scc_api is shared by the cluster;
#  - every tests/sql/NN_*.sql runs against a fresh copy of that database.
#    A test file is plain SQL: its assertions (t.check, t.expect_error, from
#    fixture.psql) RAISE when they fail and print "PASS name" when they hold;
#  - then eight clients log in at once (pgbench, as the role sccd would use)
#    and the audit chains and throttle counts are checked.
#
# Usage: tests/sql/run.sh [tests/sql/NN_name.sql ...]   (default: all)
# Exit status 77 (skipped), after a line "skipped: reason", when it cannot
# run here: no PostgreSQL server binaries, or root without a postgres account.
# $PG_CONFIG, if set, is the pg_config to ask (make check passes configure's).

set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
pg_config=${PG_CONFIG:-pg_config}
[ -x "$pg_config" ] || pg_config=pg_config

if ! bindir=$("$pg_config" --bindir 2>/dev/null); then
	echo "skipped: no PostgreSQL ($pg_config --bindir failed)"
	exit 77
fi
for prog in initdb pg_ctl psql pgbench; do
	if [ ! -x "$bindir/$prog" ]; then
		echo "skipped: no $bindir/$prog (PostgreSQL server binaries)"
		exit 77
	fi
done
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
	echo "skipped: running as root, and there is no postgres account" \
	    "for PostgreSQL to run as"
	exit 77
fi

if [ "$#" -gt 0 ]; then
	tests="$*"
else
	tests=$(ls "$here"/[0-9][0-9]_*.sql)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scc-sqltest.XXXXXX")
pgdata="$tmp/data"
started=no

cleanup() {
	if [ "$started" = yes ]; then
		as_pg "$bindir/pg_ctl" -D "$pgdata" -m immediate stop \
		    >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The server and psql read everything from $tmp, so the source tree need
# not be readable by the account they run as.
mkdir "$tmp/sql" "$tmp/tests"
cp "$top"/sql/[0-9][0-9][0-9]_*.sql "$tmp/sql/"
cp "$here/fixture.psql" "$here/concurrency.pgbench" \
    "$here/concurrency_check.psql" "$tmp/tests/"
for t in $tests; do
	cp "$t" "$tmp/tests/"
done

# PostgreSQL will not run as root: then everything that touches the cluster
# runs as the postgres account.
if [ "$(id -u)" -eq 0 ]; then
	chown -R postgres: "$tmp"
	as_pg() { runuser -u postgres -- "$@"; }
else
	as_pg() { "$@"; }
fi

# psql_as USER DATABASE [psql arguments]
psql_as() {
	_psql_user=$1 _psql_db=$2
	shift 2
	as_pg "$bindir/psql" -X -q -h "$tmp" -U "$_psql_user" -d "$_psql_db" \
	    -v ON_ERROR_STOP=1 "$@"
}

as_pg "$bindir/initdb" -D "$pgdata" -U scc_owner -A trust -E UTF8 \
    --no-locale >"$tmp/initdb.log" 2>&1 || {
	cat "$tmp/initdb.log" >&2
	exit 1
}
# A time zone other than UTC, so nothing passes by accident of the clock.
as_pg "$bindir/pg_ctl" -D "$pgdata" -l "$tmp/server.log" -w \
    -o "-c listen_addresses='' -k $tmp -c fsync=off -c TimeZone=Europe/London" \
    start >/dev/null || {
	cat "$tmp/server.log" >&2
	exit 1
}
started=yes

# What server/migrate.c does: the history table, then each file in its own
# transaction with the row that records it.
migrate() {
	_mdb=$1
	psql_as scc_owner "$_mdb" -c 'CREATE SCHEMA IF NOT EXISTS scc' -c '
	    CREATE TABLE IF NOT EXISTS scc.schema_migrations (
		version int PRIMARY KEY,
		name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())'
	for f in "$tmp"/sql/*.sql; do
		base=${f##*/}
		version=$(expr "$base" : '0*\([0-9]*\)_')
		name=$(expr "$base" : '[0-9]*_\(.*\)\.sql')
		PGOPTIONS='-c client_min_messages=warning' \
		psql_as scc_owner "$_mdb" --single-transaction -f "$f" \
		    -c "INSERT INTO scc.schema_migrations (version, name)
			VALUES ($version, '$name')" || {
			echo "migration $base failed on $_mdb" >&2
			exit 1
		}
	done
}

psql_as scc_owner postgres -c 'CREATE DATABASE scc'
migrate scc
# the login role sccd would use: a member of scc_api, nothing more
psql_as scc_owner postgres -c 'CREATE ROLE scc_app LOGIN IN ROLE scc_api'
psql_as scc_owner postgres -c 'CREATE DATABASE scc_second'
migrate scc_second

passed=0
failed=0
n=0

# report NAME STATUS OUTPUT: count the PASS lines, show the rest on failure
report() {
	ok=$(grep -c 'NOTICE:  PASS ' "$3" || true)
	passed=$((passed + ok))
	if [ "$2" -ne 0 ] || grep -q 'ERROR:' "$3"; then
		failed=$((failed + 1))
		echo "FAIL $1:"
		grep -v 'NOTICE:  PASS ' "$3" | sed 's/^/    /'
	else
		echo "ok   $1 ($ok)"
	fi
}

for t in $tests; do
	n=$((n + 1))
	psql_as scc_owner postgres -c "CREATE DATABASE t$n TEMPLATE scc"
	status=0
	psql_as scc_owner "t$n" -f "$tmp/tests/${t##*/}" >"$tmp/out.$n" 2>&1 ||
	    status=1
	report "${t##*/}" "$status" "$tmp/out.$n"
done

if [ "$#" -eq 0 ]; then
	n=$((n + 1))
	out="$tmp/out.$n"
	psql_as scc_owner postgres -c "CREATE DATABASE t$n TEMPLATE scc"
	status=0
	{
		psql_as scc_owner "t$n" -f "$tmp/tests/fixture.psql" &&
		as_pg "$bindir/pgbench" -n -h "$tmp" -U scc_app -c 8 -j 4 -t 200 \
		    -f "$tmp/tests/concurrency.pgbench" "t$n" &&
		psql_as scc_owner "t$n" -f "$tmp/tests/concurrency_check.psql"
	} >"$out" 2>&1 || status=1
	# a transaction that pgbench saw fail (a deadlock, say) is a failure
	grep -q 'failed transactions: 0 ' "$out" || status=1
	report concurrency "$status" "$out"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
