#!/bin/sh
# Run one program against a PostgreSQL cluster of its own, made for it and
# thrown away after: initdb and pg_ctl into a temporary directory, listening
# on a unix socket there and nowhere else.
#
# Usage: tests/unit/with_pg.sh PROGRAM [ARGUMENTS...]
#
# The program finds the cluster through the environment:
#   SCC_TEST_PG          conninfo of a superuser (trust authentication)
#   SCC_TEST_PGHOST      the socket directory
#   SCC_TEST_PGPORT      the port, which only names the socket file
#   SCC_TEST_PGUSER      the superuser's name
#   SCC_TEST_PG_STOP     a shell command: stop the cluster (fast mode)
#   SCC_TEST_PG_START    a shell command: start it again and wait for it
#
# The tests that use it are about the database, so a cluster that cannot be
# made is a failure (exit 1), never a skip. PostgreSQL refuses to run as
# root: then the cluster runs as the postgres account (nobody without one),
# while the program itself keeps running as the caller.
# $PG_CONFIG, if set and executable, is the pg_config to ask.

set -eu

fail() {
	echo "FAIL: with_pg.sh: $*" >&2
	exit 1
}

[ "$#" -ge 1 ] || fail "usage: with_pg.sh PROGRAM [ARGUMENTS...]"

pg_config=${PG_CONFIG:-pg_config}
[ -x "$pg_config" ] || pg_config=pg_config
bindir=$("$pg_config" --bindir 2>/dev/null) ||
    fail "no PostgreSQL: '$pg_config --bindir' failed"
for prog in initdb pg_ctl; do
	[ -x "$bindir/$prog" ] ||
	    fail "no $bindir/$prog: the PostgreSQL server programs are needed"
done

runas=
if [ "$(id -u)" -eq 0 ]; then
	if id postgres >/dev/null 2>&1; then
		account=postgres
	elif id nobody >/dev/null 2>&1; then
		account=nobody
	else
		fail "running as root and neither postgres nor nobody exists" \
		    "for PostgreSQL to run as"
	fi
	command -v runuser >/dev/null 2>&1 ||
	    fail "running as root and runuser(1) is missing"
	runas="runuser -u $account --"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scc-unitpg.XXXXXX") ||
    fail "cannot make a temporary directory"
pgdata=$tmp/data
port=5432
user=scc_test
started=no

cleanup() {
	if [ "$started" = yes ]; then
		$runas "$bindir/pg_ctl" -D "$pgdata" -m immediate stop \
		    >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

[ -z "$runas" ] || chown "$account" "$tmp" ||
    fail "cannot hand $tmp to $account"

$runas "$bindir/initdb" -D "$pgdata" -U "$user" -A trust -E UTF8 \
    --no-locale >"$tmp/initdb.log" 2>&1 || {
	cat "$tmp/initdb.log" >&2
	fail "initdb failed"
}

# The directory name comes from mktemp: no spaces or quotes to worry about.
pgopts="-c listen_addresses='' -k $tmp -p $port -c fsync=off"
pg_start="$runas $bindir/pg_ctl -D $pgdata -l $tmp/server.log -w -t 60"
pg_start="$pg_start -o \"$pgopts\" start >/dev/null"
pg_stop="$runas $bindir/pg_ctl -D $pgdata -m fast -w -t 60 stop >/dev/null"

sh -c "$pg_start" >/dev/null 2>&1 || {
	cat "$tmp/server.log" >&2 2>/dev/null || true
	fail "PostgreSQL did not start"
}
started=yes

SCC_TEST_PG="host=$tmp port=$port user=$user dbname=postgres"
SCC_TEST_PGHOST=$tmp
SCC_TEST_PGPORT=$port
SCC_TEST_PGUSER=$user
SCC_TEST_PG_STOP=$pg_stop
SCC_TEST_PG_START=$pg_start
export SCC_TEST_PG SCC_TEST_PGHOST SCC_TEST_PGPORT SCC_TEST_PGUSER \
    SCC_TEST_PG_STOP SCC_TEST_PG_START

status=0
"$@" || status=$?
if [ "$status" -ne 0 ] && [ -f "$tmp/server.log" ]; then
	echo "with_pg.sh: $1 exited $status; the end of the server log:" >&2
	tail -n 40 "$tmp/server.log" >&2 || true
fi
exit "$status"
