#!/usr/bin/env bash
# Runs every fuzz target of the module, one after the other, on one core
# (-parallel 1), for a given time each, and prints the executions of
# each target and the rate per second.
#
#   bash scripts/fuzz-campaign.sh [TIME] [TARGET-REGEXP]
#
# TIME is a go test -fuzztime value: a duration (default 60s) or a count
# of executions such as 10000000x. TARGET-REGEXP picks targets by name
# (default: all). Minimizing new corpus entries is off by default
# (FUZZ_MINIMIZE=0): on inputs of a few kilobytes it stalls a worker for
# seconds per entry; a crash is written unminimized and can be minimized
# by hand. A finding is written by go test to PKG/testdata/fuzz/TARGET/,
# where it stays as a regression input that `go test ./...` runs; the
# script goes on with the next target and exits 1 at the end.
#
# Each package's test binary is built once with the coverage
# instrumentation go test -fuzz uses, and run with the same corpus cache.
# The rate is given twice: per second of wall-clock time, and per second
# of CPU time used (user + system, coordinator and worker together),
# which is what one free core would do on a machine shared with others.
#
# Output: one line per target, then the totals, also appended to
# LOG (default scripts/out/fuzz-campaign.log) with the date and commit.
set -uo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-60s}
pick=${2:-.}
minimize=${FUZZ_MINIMIZE:-0}
log=${LOG:-scripts/out/fuzz-campaign.log}
mkdir -p "$(dirname "$log")" scripts/out

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain 2>/dev/null | grep -qv '^??' && echo "+changes" || true)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# Every package with fuzz targets, and its targets.
mapfile -t pkgs < <(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u)
module=$(go list -m)
cache=$(go env GOCACHE)/fuzz
printf '%-14s %-18s %12s %6s %8s %7s %10s  %s\n' package target executions wall "execs/s" cpu "execs/cpu-s" result | tee -a "$log"
status=0
total=0
for pkg in "${pkgs[@]}"; do
	targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$pkg"/*_test.go | sed 's/^func //' | grep -E -- "$pick" | sort)
	[ -n "$targets" ] || continue
	bin=$PWD/scripts/out/$(basename "$pkg").fuzz.test
	go test -c -o "$bin" -gcflags="$module/...=-d=libfuzzer" "$pkg" || { status=1; continue; }
	importpath=$(go list "$pkg")
	for target in $targets; do
		out=$PWD/scripts/out/fuzz-$target.out
		(cd "$pkg" && /usr/bin/time -f '%U %S' -o "$out.time" "$bin" -test.run '^$' -test.fuzz "^$target\$" -test.fuzztime "$fuzztime" \
			-test.fuzzminimizetime "$minimize" -test.parallel 1 -test.fuzzcachedir "$cache/$importpath") >"$out" 2>&1
		rc=$?
		cpu=$(tail -n 1 "$out.time" 2>/dev/null | awk '{printf "%.1f", $1 + $2}')
		cpu=${cpu:-0}
		# The last progress line: "fuzz: elapsed: 61s, execs: 123 (..."
		line=$(grep -E 'fuzz: elapsed: [0-9hms]+, execs: [0-9]+' "$out" | tail -1)
		execs=$(sed -E 's/.*execs: ([0-9]+).*/\1/' <<<"$line")
		# elapsed is printed as 59s, 3m20s or 1h2m3s.
		secs=$(sed -E 's/.*elapsed: ([0-9hms]+),.*/\1/' <<<"$line" |
			awk '{ t = 0; n = ""; for (i = 1; i <= length($0); i++) { c = substr($0, i, 1);
				if (c ~ /[0-9]/) n = n c; else { t += n * (c == "h" ? 3600 : c == "m" ? 60 : 1); n = "" } } print t }')
		execs=${execs:-0}
		secs=${secs:-0}
		rate=0
		[ "$secs" -gt 0 ] && rate=$((execs / secs))
		cpurate=$(awk -v e="$execs" -v c="$cpu" 'BEGIN { printf "%d", (c > 0 ? e / c : 0) }')
		result=ok
		if [ $rc -ne 0 ]; then
			result="FAILED (see $out)"
			status=1
		fi
		total=$((total + execs))
		printf '%-14s %-18s %12d %5ds %8d %6ss %10d  %s\n' "${pkg#./}" "$target" "$execs" "$secs" "$rate" "$cpu" "$cpurate" "$result" | tee -a "$log"
	done
done
printf 'total %d executions; fuzztime %s per target; commit %s%s; started %s, ended %s\n' \
	"$total" "$fuzztime" "$commit" "$dirty" "$started" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" | tee -a "$log"
exit $status
