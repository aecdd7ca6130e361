# What run.sh and casework.sh share, sourced by both (bash): stopping and
# cleaning up the instance, running as its owner, serving it on a free
# port, and reading loadgen's name=value lines. The caller sets WORK, INST,
# SCCD, LOADGEN and PG_BINDIR, and STOP_WAIT if sccd may take long to stop.

BENCH_NAME=${0##*/}
STOP_WAIT=${STOP_WAIT:-60}
INST=
SCCD_PID=

# Stop the instance being served, and its PostgreSQL even if sccd will not.
stop_sccd() {
	if [ -n "$SCCD_PID" ] && kill -0 "$SCCD_PID" 2>/dev/null; then
		kill -TERM "$SCCD_PID"
		for _ in $(seq 1 $((STOP_WAIT * 5))); do
			kill -0 "$SCCD_PID" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$SCCD_PID" 2>/dev/null; then
			echo "$BENCH_NAME: sccd did not stop on SIGTERM; killing it" >&2
			kill -KILL "$SCCD_PID" 2>/dev/null || true
			as_owner "$PG_BINDIR/pg_ctl" -D "$INST/pgdata" -m immediate \
			    stop > /dev/null 2>&1 || true
		fi
	fi
	SCCD_PID=
}

cleanup() {
	stop_sccd
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

# Serve $INST on a free port; sets SCCD_PID, PORT and LG (loadgen's command).
serve() {
	local log=$INST.serve.log

	PORT=$(free_port)
	"$SCCD" serve -D "$INST" --listen "127.0.0.1:$PORT" > "$log" 2>&1 &
	SCCD_PID=$!
	for _ in $(seq 1 150); do
		grep -q "serving on" "$log" 2>/dev/null && break
		kill -0 "$SCCD_PID" 2>/dev/null ||
		    { cat "$log" >&2; exit 1; }
		sleep 0.2
	done
	grep -q "serving on" "$log" ||
	    { echo "$BENCH_NAME: sccd did not start" >&2; cat "$log" >&2; exit 1; }
	grep "serving on" "$log" | sed 's/^.*sccd\[info\] /== sccd /'
	LG=("$LOADGEN" --host 127.0.0.1 --port "$PORT" --ca "$INST/tls/ca.crt")
}

# Pull name=value out of a loadgen line.
field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

calc() {	# calc PYTHON-EXPRESSION
	python3 -c "print($1)"
}

verdict() {	# verdict EXPR -> met/MISSED
	if python3 -c "import sys; sys.exit(0 if ($1) else 1)"; then
		echo met
	else
		echo MISSED
	fi
}

# The middle one of the lines on stdin, by the value of field NAME.
median_by() {	# median_by NAME
	python3 -c '
import sys
name = sys.argv[1]
lines = [l.rstrip("\n") for l in sys.stdin if l.strip()]
def value(l):
    for w in l.split():
        if w.startswith(name + "="):
            return float(w.split("=", 1)[1])
    return 0.0
lines.sort(key=value)
print(lines[len(lines) // 2])' "$1"
}
