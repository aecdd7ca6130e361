#!/bin/bash
#
# The documents benchmark, run by hand (never by make check). Makes a
# throwaway instance, serves it with one sccd, and runs tests/bench/docgen
# against it:
#
#  1. throughput: a 64 MiB DOC PUT and its DOC GET through sccd, beside
#     libpq alone doing the same database work on the instance's socket
#     (api.doc_begin, api.doc_chunk per 256 KiB piece with a binary bytea
#     parameter, api.doc_finish, COMMIT; then api.doc_get and api.doc_read
#     per piece, results in binary; and, to tell sccd's own cost from
#     how it reads, in text as sccd asks for them, with BENCH_WINDOW and
#     with one piece in flight as sccd has), BENCH_REPEAT times,
#     alternating; medians and the ratio sccd / libpq;
#  2. memory: sccd's VmRSS and VmHWM before and during 4 concurrent 64 MiB
#     uploads and 4 slow 64 MiB downloads (64 KiB read, then 10 ms asleep),
#     once on the freshly started sccd and once after the throughput runs;
#  3. every upload's and download's SHA-256, checked by docgen against the
#     one it made and the one sccd or the database answered.
#
# Every upload and memory run starts after a CHECKPOINT, so none pays for
# the writes of the one before.
#
# Everything is removed at the end.
#
# usage: tests/bench/docs.sh [BUILDDIR]
#   BUILDDIR holds sccd and tests/bench/docgen (default: the current
#   directory).
#
# Environment (defaults in brackets):
#   BENCH_SIZE [67108864]   octets in each document (64 MiB, doc_max's
#                           default; a larger size raises doc_max)
#   BENCH_REPEAT [3]        throughput runs of each kind; medians compared
#   BENCH_WINDOW [2]        libpq's pieces in flight (pipeline mode)
#   BENCH_UPLOADS [4]       concurrent uploads in the memory runs
#   BENCH_DOWNLOADS [4]     concurrent slow downloads beside them
#   BENCH_SLOW [65536:10]   a slow reader: octets read, then milliseconds
#                           asleep
#   BENCH_MEM_ROUNDS [2]    memory runs: the first before the throughput
#                           runs, the rest after them
#   BENCH_CONF [""]         lines added to sccd.conf, to try a setting
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
DOCGEN=$BUILD/tests/bench/docgen
LOADGEN=$BUILD/tests/bench/loadgen	# lib.sh's serve() names it; unused here

SIZE=${BENCH_SIZE:-67108864}
REPEAT=${BENCH_REPEAT:-3}
WINDOW=${BENCH_WINDOW:-2}
UPLOADS=${BENCH_UPLOADS:-4}
DOWNLOADS=${BENCH_DOWNLOADS:-4}
SLOW=${BENCH_SLOW:-65536:10}
ROUNDS=${BENCH_MEM_ROUNDS:-2}
CONF=${BENCH_CONF:-}
ADMIN_PASSWORD=bench-admin-$$-$RANDOM
# The aims.
RATIO_AIM=0.7		# sccd / libpq, upload and download
GROWTH_AIM_KIB=16384	# sccd's VmHWM over its VmRSS before, memory runs

for n in $SIZE $REPEAT $WINDOW $UPLOADS $DOWNLOADS $ROUNDS; do
	case $n in
	''|*[!0-9]*)
		echo "docs.sh: $n: not a number (see BENCH_* in docs.sh)" >&2
		exit 2 ;;
	esac
done
case $SLOW in
*[0-9]:[0-9]*) ;;
*) echo "docs.sh: BENCH_SLOW is BYTES:MS" >&2; exit 2 ;;
esac
[ "$REPEAT" -ge 1 ] || { echo "docs.sh: BENCH_REPEAT is at least 1" >&2; exit 2; }
for f in "$SCCD" "$DOCGEN"; do
	if [ ! -x "$f" ]; then
		echo "docs.sh: $f not found; build first (make sccd tests/bench/docgen)" >&2
		exit 1
	fi
done
PG_BINDIR=$(pg_config --bindir 2>/dev/null || true)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/scc-docs.XXXXXX")
chmod 755 "$WORK"
. "$HERE/lib.sh"

START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# CPU seconds a process has used (user + system).
cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
	    "/proc/$1/stat" 2>/dev/null || echo 0
}

status_kib() {	# status_kib FIELD: VmRSS or VmHWM of sccd, in KiB
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$SCCD_PID/status"
}

# Run docgen; its line on stdout, plus sccd's CPU seconds over the call.
# Dies when docgen does (a wrong hash is 4).
run() {
	local c0 line rc=0

	c0=$(cpu_s "$SCCD_PID")
	line=$("$DOCGEN" "$@") || rc=$?
	if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
		[ -z "$line" ] || echo "$line" >&2
		echo "docs.sh: docgen $1 failed ($rc)" >&2
		kill -0 "$SCCD_PID" 2>/dev/null ||
		    echo "docs.sh: sccd ($SCCD_PID) is no longer running" >&2
		exit 1
	fi
	echo "$line sccd_cpu_s=$(calc "round($(cpu_s "$SCCD_PID") - $c0, 2)")"
}

# ---- the instance ----

INST=$WORK/inst
SCC_ADMIN_PASSWORD=$ADMIN_PASSWORD "$SCCD" init "$INST" \
    > "$WORK/init.log" 2>&1 || { cat "$WORK/init.log" >&2; exit 1; }
echo "== instance in $INST"
if [ "$SIZE" -gt 67108864 ] || [ -n "$CONF" ]; then
	{
		echo
		[ "$SIZE" -le 67108864 ] || echo "doc_max = $SIZE"
		[ -z "$CONF" ] || printf '# benchmark: BENCH_CONF\n%s\n' "$CONF"
	} >> "$INST/sccd.conf"
fi
serve
PG="host=$INST/run port=5432 dbname=scc user=scc_owner"
RSS_START=$(status_kib VmRSS)
HWM_START=$(status_kib VmHWM)
echo "== sccd $SCCD_PID: VmRSS $RSS_START KiB, VmHWM $HWM_START KiB after start"

setup=$("$DOCGEN" setup --pg "$PG") || { echo "docs.sh: setup failed" >&2; exit 1; }
CASE=$(field "$setup" case)
TOKEN=$(field "$setup" token)
TH=$(field "$setup" token_hash)
echo "== case $CASE, lead officer $(field "$setup" user) with a session made in SQL"
S=(--host 127.0.0.1 --port "$PORT" --ca "$INST/tls/ca.crt" --token "$TOKEN")
P=(--pg "$PG" --token-hash "$TH")

# ---- documents for the slow downloads, stored with libpq alone ----

GETS=()
for i in $(seq 1 "$DOWNLOADS"); do
	line=$(run pgput "${P[@]}" --case "$CASE" --size "$SIZE" \
	    --seed $((1000 + i)) --name "slow-$i" --window "$WINDOW")
	GETS+=(--get "$(field "$line" id)=$(field "$line" sha256)")
done
echo "== $DOWNLOADS documents of $SIZE octets stored for the slow downloads" \
    "(libpq); sccd VmRSS $(status_kib VmRSS) KiB"

MEM=()
# Every upload starts after a CHECKPOINT: with max_wal_size at its 1GB, a
# checkpoint otherwise comes every eight or so 64 MiB documents, and
# whichever run it lands in is a third slower.
checkpoint() {
	"$DOCGEN" checkpoint --pg "$PG" > /dev/null ||
	    { echo "docs.sh: CHECKPOINT failed" >&2; exit 1; }
}

memory_run() {	# memory_run LABEL
	local line

	echo "== memory ($1): $UPLOADS uploads and $DOWNLOADS slow downloads" \
	    "(read $SLOW) of $SIZE octets at once"
	checkpoint
	line=$(run mem "${S[@]}" --pid "$SCCD_PID" --case "$CASE" \
	    --size "$SIZE" --seed $((2000 + 100 * ${#MEM[@]})) \
	    --uploads "$UPLOADS" --slow "$SLOW" "${GETS[@]}")
	echo "$line"
	MEM+=("label=$1 $line")
}

[ "$ROUNDS" -eq 0 ] || memory_run "fresh sccd"

# ---- throughput ----

PUTS=(); GETL=(); PGPUTS=(); PGGETS=(); PGTEXT=(); PGTEXT1=()
for i in $(seq 1 "$REPEAT"); do
	echo "== throughput run $i of $REPEAT: $SIZE octets"
	checkpoint
	line=$(run put "${S[@]}" --case "$CASE" --size "$SIZE" --seed $((10 + i)) \
	    --name "sccd-$i")
	echo "$line"; PUTS+=("$line")
	doc=$(field "$line" id); sha=$(field "$line" sha256)
	checkpoint
	line=$(run pgput "${P[@]}" --case "$CASE" --size "$SIZE" \
	    --seed $((20 + i)) --name "libpq-$i" --window "$WINDOW")
	echo "$line"; PGPUTS+=("$line")
	pgdoc=$(field "$line" id); pgsha=$(field "$line" sha256)
	line=$(run get "${S[@]}" --doc "$doc" --expect "$sha")
	echo "$line"; GETL+=("$line")
	line=$(run pgget "${P[@]}" --doc "$pgdoc" --expect "$pgsha" \
	    --window "$WINDOW")
	echo "$line"; PGGETS+=("$line")
	line=$(run pgget "${P[@]}" --doc "$pgdoc" --expect "$pgsha" \
	    --window "$WINDOW" --text)
	echo "$line"; PGTEXT+=("$line")
	line=$(run pgget "${P[@]}" --doc "$pgdoc" --expect "$pgsha" \
	    --window 1 --text)
	echo "$line"; PGTEXT1+=("$line")
done
echo "== sccd VmRSS $(status_kib VmRSS) KiB, VmHWM $(status_kib VmHWM) KiB" \
    "after the throughput runs"

for r in $(seq 2 "$ROUNDS"); do
	memory_run "after the throughput runs$([ "$r" -eq 2 ] || echo " ($r)")"
done

# ---- what the server said ----

echo
log=$INST.serve.log
n=$(grep -c -v 'sccd\[info\]' "$log" || true)
echo "== ${log##*/}: $(wc -l < "$log") lines, $n not info"
grep -v 'sccd\[info\]' "$log" | head -20 || true
kill -0 "$SCCD_PID" 2>/dev/null || echo "== sccd $SCCD_PID is no longer running"

# ---- summary ----

med() {	# med NAME LINE...: the median of field NAME over the lines
	local name=$1

	shift
	printf '%s\n' "$@" | median_by "$name" | tr ' ' '\n' |
	    sed -n "s/^$name=//p"
}
all() {	# all NAME LINE...: the values of field NAME, separated by " / "
	local name=$1 out= l

	shift
	for l in "$@"; do
		out="$out${out:+ / }$(field "$l" "$name")"
	done
	echo "$out"
}

put_sccd=$(med mb_s "${PUTS[@]}"); put_pg=$(med mb_s "${PGPUTS[@]}")
get_sccd=$(med mb_s "${GETL[@]}"); get_pg=$(med mb_s "${PGGETS[@]}")
get_text=$(med mb_s "${PGTEXT[@]}")
get_text1=$(med mb_s "${PGTEXT1[@]}")
put_ratio=$(calc "round($put_sccd / $put_pg, 2)")
get_ratio=$(calc "round($get_sccd / $get_pg, 2)")
get_ratio_text=$(calc "round($get_sccd / $get_text, 2)")
get_ratio_text1=$(calc "round($get_sccd / $get_text1, 2)")

echo
echo "== summary ($(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores," \
    "$(($(date +%s) - START)) s): documents of $SIZE octets, MB/s" \
    "(10^6 octets a second), median of $REPEAT"
printf '%-10s %-30s %8s  %-26s %s\n' "" "through" "MB/s" "each run" \
    "sccd CPU s (each)"
printf '%-10s %-30s %8s  %-26s %s\n' upload sccd "$put_sccd" \
    "$(all mb_s "${PUTS[@]}")" "$(all sccd_cpu_s "${PUTS[@]}")"
printf '%-10s %-30s %8s  %-26s %s\n' upload "libpq, window $WINDOW" \
    "$put_pg" "$(all mb_s "${PGPUTS[@]}")" ""
printf '%-10s %-30s %8s  %-26s %s\n' download sccd "$get_sccd" \
    "$(all mb_s "${GETL[@]}")" "$(all sccd_cpu_s "${GETL[@]}")"
printf '%-10s %-30s %8s  %-26s %s\n' download \
    "libpq, window $WINDOW, binary" "$get_pg" "$(all mb_s "${PGGETS[@]}")" ""
printf '%-10s %-30s %8s  %-26s %s\n' download \
    "libpq, window $WINDOW, text" "$get_text" "$(all mb_s "${PGTEXT[@]}")" ""
printf '%-10s %-30s %8s  %-26s %s\n' download \
    "libpq, window 1, text" "$get_text1" "$(all mb_s "${PGTEXT1[@]}")" ""
echo "sccd / libpq: upload $put_ratio" \
    "($(verdict "$put_ratio >= $RATIO_AIM")), download $get_ratio" \
    "($(verdict "$get_ratio >= $RATIO_AIM")) against binary results;" \
    "aim >= $RATIO_AIM"
echo "download against libpq reading as sccd does (text results): window" \
    "$WINDOW $get_ratio_text, window 1 $get_ratio_text1"
echo
echo "memory of sccd (KiB; growth is over VmRSS before; VmHWM reset" \
    "before each run where allowed):"
printf '%-34s %9s %9s %9s %9s %9s %9s %7s %s\n' run "RSS before" "peak RSS" \
    "HWM after" "growth" "RSS after" "1 s later" "s" "aim < $GROWTH_AIM_KIB, hashes"
for line in "${MEM[@]}"; do
	label=$(printf '%s\n' "$line" | sed -n 's/^label=\(.*\) mem .*$/\1/p')
	g=$(field "$line" growth_hwm_kib)
	[ "$(field "$line" hwm_reset)" = 1 ] || g="$g (no reset)"
	printf '%-34s %9s %9s %9s %9s %9s %9s %7s %s\n' "$label" \
	    "$(field "$line" rss_before_kib)" "$(field "$line" peak_rss_kib)" \
	    "$(field "$line" hwm_after_kib)" "$g" \
	    "$(field "$line" rss_after_kib)" "$(field "$line" rss_closed_kib)" \
	    "$(field "$line" seconds)" \
	    "$(verdict "$(field "$line" growth_hwm_kib) < $GROWTH_AIM_KIB"), sha_ok=$(field "$line" sha_ok)"
done
echo "sccd VmRSS $RSS_START KiB after start, $(status_kib VmRSS) KiB at the end;" \
    "every SHA-256 checked (docgen exits on a wrong one)"
echo "load average $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg)" \
    "at the end"
stop_sccd
