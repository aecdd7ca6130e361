#!/bin/sh
# SQL tests: a throwaway PostgreSQL cluster, the migrations of sql/ applied
# as sccd applies them (each file in its own transaction, recorded in
# scc.schema_migrations), then every tests/sql/NN_*.sql against a fresh copy
# of that database.  A test file is plain SQL whose DO blocks RAISE on a
# failed assertion and RAISE NOTICE 'PASS <name>' when one holds.
#
# Usage: tests/sql/run.sh [test file ...]      (default: all of them)

set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bindir=$(pg_config --bindir)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scc-sqltest.XXXXXX")
pgdata="$tmp/data"
started=no

# PostgreSQL will not run as root: everything that touches the cluster runs
# as the postgres account then.
if [ "$(id -u)" -eq 0 ]; then
	chown postgres: "$tmp"
	as_pg() { runuser -u postgres -- "$@"; }
else
	as_pg() { "$@"; }
fi

cleanup() {
	if [ "$started" = yes ]; then
		as_pg "$bindir/pg_ctl" -D "$pgdata" -m immediate stop \
		    >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

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
as_pg "$bindir/pg_ctl" -D "$pgdata" -l "$tmp/server.log" -w \
    -o "-c listen_addresses='' -k $tmp -c fsync=off -c TimeZone=Europe/London" \
    start >/dev/null || {
	cat "$tmp/server.log" >&2
	exit 1
}
started=yes

# The bootstrap sccd does before the first migration (server/migrate.c).
migrate() {
	mdb=$1
	psql_as scc_owner "$mdb" -c 'CREATE SCHEMA IF NOT EXISTS scc' -c '
	    CREATE TABLE IF NOT EXISTS scc.schema_migrations (
		version int PRIMARY KEY,
		name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())'
	for f in "$top"/sql/[0-9][0-9][0-9]_*.sql; do
		base=${f##*/}
		version=$(expr "$base" : '0*\([0-9]*\)_')
		name=$(expr "$base" : '[0-9]*_\(.*\)\.sql')
		PGOPTIONS='-c client_min_messages=warning' \
		psql_as scc_owner "$mdb" --single-transaction -f "$f" \
		    -c "INSERT INTO scc.schema_migrations (version, name)
			VALUES ($version, '$name')" || {
			echo "migration $base failed on $mdb" >&2
			exit 1
		}
	done
}

psql_as scc_owner postgres -c 'CREATE DATABASE scc'
migrate scc
# the login role sccd would use: a member of scc_api, nothing more
psql_as scc_owner postgres -c 'CREATE ROLE scc_app LOGIN IN ROLE scc_api'
# roles are cluster-wide: a second database must migrate with scc_api there
psql_as scc_owner postgres -c 'CREATE DATABASE scc_second'
migrate scc_second

if [ "$#" -gt 0 ]; then
	tests="$*"
else
	tests=$(ls "$here"/[0-9][0-9]_*.sql)
fi

passed=0
failed=0
n=0
for t in $tests; do
	n=$((n + 1))
	tdb="t$n"
	psql_as scc_owner postgres -c "CREATE DATABASE $tdb TEMPLATE scc"
	out="$tmp/out.$n"
	if psql_as scc_owner "$tdb" -f "$t" >"$out" 2>&1; then
		status=0
	else
		status=1
	fi
	ok=$(grep -c 'NOTICE:  PASS ' "$out" || true)
	passed=$((passed + ok))
	if [ "$status" -ne 0 ] || grep -q 'ERROR:' "$out"; then
		failed=$((failed + 1))
		echo "FAIL ${t##*/}:" >&2
		grep -v 'NOTICE:  PASS ' "$out" | sed 's/^/    /' >&2
	else
		echo "ok   ${t##*/} ($ok)"
	fi
done

# Logins from eight clients at once: no deadlock, and the audit chains and
# throttle counts come out whole.
if [ "$#" -eq 0 ]; then
	n=$((n + 1))
	tdb="t$n"
	out="$tmp/out.$n"
	psql_as scc_owner postgres -c "CREATE DATABASE $tdb TEMPLATE scc"
	if psql_as scc_owner "$tdb" -f "$here/fixture.psql" >"$out" 2>&1 &&
	    as_pg "$bindir/pgbench" -n -h "$tmp" -U scc_app -c 8 -j 4 -t 200 \
		-f "$here/concurrency.pgbench" "$tdb" >>"$out" 2>&1 &&
	    grep -q 'failed transactions: 0 ' "$out" &&
	    psql_as scc_owner "$tdb" -f "$here/concurrency_check.psql" \
		>>"$out" 2>&1; then
		ok=$(grep -c 'NOTICE:  PASS ' "$out" || true)
		passed=$((passed + ok))
		echo "ok   concurrency ($ok)"
	else
		failed=$((failed + 1))
		echo "FAIL concurrency:" >&2
		grep -v 'NOTICE:  PASS ' "$out" | sed 's/^/    /' >&2
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
