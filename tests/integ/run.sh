#!/bin/sh
# Integration tests: real sccd (with its embedded PostgreSQL) and real scc,
# over TLS on loopback. Ends with "N passed, M failed, K skipped".
# Environment: SCCD, SCC (the binaries), SRCDIR (the source tree), PYTHON3,
# PG_CONFIG (the pg_config configure found, if any).
# Arguments, if any, name test modules or tests (test_session.TestLogin...).
# Exit status 77 (skipped), after a line "skipped: reason", when the suite
# cannot run here, or when any of its tests skipped.

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
: "${PYTHON3:=python3}"
: "${SCCD:=$PWD/sccd}"
: "${SCC:=$PWD/scc}"
: "${PG_CONFIG:=pg_config}"
export SCCD SCC PG_CONFIG

for prog in "$SCCD" "$SCC"; do
	if [ ! -x "$prog" ]; then
		echo "run.sh: $prog is not built (set SCCD and SCC)" >&2
		exit 99
	fi
done
if ! command -v "$PYTHON3" >/dev/null 2>&1; then
	echo "skipped: no $PYTHON3 to run the tests with"
	exit 77
fi
# What sccd needs to make an instance: the PostgreSQL server programs
# (found as sccd finds them: configure's pg_config while it exists, else
# the one in PATH) and, as root, an unprivileged account to run them as.
[ -x "$PG_CONFIG" ] || PG_CONFIG=pg_config
if ! bindir=$("$PG_CONFIG" --bindir 2>/dev/null); then
	echo "skipped: no PostgreSQL ($PG_CONFIG --bindir failed)"
	exit 77
fi
for prog in initdb pg_ctl postgres; do
	if [ ! -x "$bindir/$prog" ]; then
		echo "skipped: no $bindir/$prog (PostgreSQL server binaries)"
		exit 77
	fi
done
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1 &&
    ! id nobody >/dev/null 2>&1; then
	echo "skipped: running as root, and there is no postgres or nobody" \
	    "account for sccd and PostgreSQL to run as"
	exit 77
fi

# Byte-compiled files would land in the (possibly read-only) source tree.
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
exec "$PYTHON3" "$here/runner.py" "$@"
