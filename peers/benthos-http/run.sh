#!/usr/bin/env bash
# Builds the Benthos peer of `greenwave bench latency` and runs the scenario
# with it, so the benthos rows come from the same run as greenwave's and
# the baseline's. Extra arguments go to `greenwave bench latency`, e.g.
#   peers/benthos-http/run.sh --runs 3 --duration 5s --json
# The peer is its own Go module (github.com/redpanda-data/benthos/v4
# v4.60.0); greenwave's go.mod never mentions it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
(cd "$here" && go build -o benthos-http .)
(cd "$root" && go build -o greenwave ./cmd/greenwave)
cd "$root"
exec ./greenwave bench latency --peer "$here/benthos-http" "$@"
