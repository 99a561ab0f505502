#!/usr/bin/env bash
# Runs the test suite under the race detector, the discstage binary the
# CLI and mount tests start included (GOFLAGS=-race reaches the go build
# of internal/clitest): the mount process, the commands polling it and
# their signal handlers are checked, not only the code the tests call.
#
#   bash scripts/race.sh [PACKAGES...]     (default: ./...)
#
# A race in a test binary fails its package; a race in a started
# discstage process is written by the race detector to DIR/race.PID
# (DIR: scripts/out/race), and the script then prints it and exits 1.
# The static builds some tests make (the Windows build run under Wine,
# the drive rig's guest) are built without the race detector, which
# needs cgo. Takes about 20 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=${DIR:-scripts/out/race}
rm -rf "$dir" && mkdir -p "$dir"
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
GOFLAGS=-race GORACE="log_path=$PWD/$dir/race" go test -count=1 -timeout 90m -tags fuse3 "${pkgs[@]}"
rc=$?
if compgen -G "$dir/race.*" >/dev/null; then
	cat "$dir"/race.*
	echo "race.sh: the race detector reported races in started processes (above)" >&2
	rc=1
fi
exit $rc
