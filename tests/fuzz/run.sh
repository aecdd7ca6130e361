#!/bin/sh
# Run one libFuzzer target for a bounded time over a fresh copy of its seed
# corpus (corpus/TARGET/), with its dictionary (TARGET.dict). A crash, a
# leak, a hang or a broken invariant fails the run and keeps the input that
# did it. The committed seeds are never written to: libFuzzer adds what it
# finds to the copy.
#
# Usage: tests/fuzz/run.sh BINARY [SECONDS]
#   BINARY is a built target (CC=clang ./configure --enable-fuzzing);
#   SECONDS defaults to 30. The copy, the log and any crashing input go in
#   BINARY.run/. Ends with one line: the target, ok or FAILED, the numbers.

set -u

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
	echo "usage: $0 binary [seconds]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
secs=${2:-30}
name=$(basename "$bin")
work=$bin.run
seeds=$here/corpus/$name
dict=$here/$name.dict

if [ ! -x "$bin" ]; then
	echo "$name: FAILED, $bin is not built" >&2
	exit 1
fi
if [ ! -d "$seeds" ] || [ ! -f "$dict" ]; then
	echo "$name: FAILED, no $seeds or no $dict" >&2
	exit 1
fi

rm -rf "$work"
mkdir -p "$work/corpus" "$work/found" || exit 1
cp "$seeds"/* "$work/corpus/" || exit 1
# A distribution's tree is read-only (make distcheck); the copy must not be.
chmod u+w "$work/corpus"/* || exit 1

"$bin" -max_total_time="$secs" -timeout=10 -dict="$dict" \
    -artifact_prefix="$work/found/" -print_final_stats=1 \
    "$work/corpus" >"$work/log" 2>&1
status=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$work/log")
nseeds=$(ls "$seeds" | wc -l)
ncorpus=$(ls "$work/corpus" | wc -l)
# libFuzzer's own exit codes for a finding are not 0/1 (77 among them, which
# a test harness would take for "skipped"): anything but 0 is a failure.
if [ "$status" -ne 0 ]; then
	tail -n 40 "$work/log"
	echo "$name: FAILED (libFuzzer exit $status) after ${runs:-?} runs;" \
	    "input kept in $work/found/:" $(ls "$work/found")
	exit 1
fi
if [ -z "$runs" ] || [ -z "$took" ]; then
	tail -n 20 "$work/log"
	echo "$name: FAILED, no statistics in $work/log"
	exit 1
fi
[ "$took" -gt 0 ] || took=1
echo "$name: ok, $runs runs in ${took}s ($((runs / took))/s)," \
    "corpus $nseeds seeds -> $ncorpus inputs"
