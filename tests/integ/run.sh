#!/bin/sh
# Integration tests: real sccd (with its embedded PostgreSQL) and real scc,
# over TLS on loopback. Ends with "N passed, M failed".
# Environment: SCCD, SCC (the binaries), SRCDIR (the source tree), PYTHON3.
# Arguments, if any, name test modules or tests (test_session.TestLogin...).

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
: "${PYTHON3:=python3}"
: "${SCCD:=$PWD/sccd}"
: "${SCC:=$PWD/scc}"
export SCCD SCC

for prog in "$SCCD" "$SCC"; do
	if [ ! -x "$prog" ]; then
		echo "run.sh: $prog is not built (set SCCD and SCC)" >&2
		exit 99
	fi
done
if ! command -v pg_config >/dev/null 2>&1; then
	echo "run.sh: pg_config not found; PostgreSQL is needed" >&2
	exit 77
fi

# Byte-compiled files would land in the (possibly read-only) source tree.
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
exec "$PYTHON3" "$here/runner.py" "$@"
