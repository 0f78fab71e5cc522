#!/usr/bin/env bash
# Runs the same stateless JSON workloads on greenwave and on Redpanda's
# Benthos core (v4.60.0, built from this folder's own module; greenwave does
# not depend on it), checks that both give the same output, and prints a
# table of their figures.
#
#   peers/benthos-file/compare.sh [events] [runs]
#
# events: video events in the input file (default 3000000, about 880 MB),
# written by greenwave's own generator (profile video_sessions, seed 7).
# runs: runs of each workload on each engine, alternating (default 3); the
# table gives the median of each and of the per-pair ratios.
#
# Workloads:
#   filter  file -> filter bitrate_kbps > 1000 -> file. The output files
#           must hold the same lines (compared sorted: Benthos's threads
#           may reorder; greenwave keeps file order).
#   count   file -> count per customer in processing-time windows of 1 s
#           -> file. Windows fall where the wall clock puts them, so the
#           check is on each customer's total over all windows.
#
# Both engines get the machine's cores: greenwave's file source decodes with
# parallelism 2 on 2 workers, Benthos runs one pipeline thread per core.
# Needs Go, GNU time (/usr/bin/time, installed from Debian's packages when
# missing) and about twice the input's size in free disk under $TMPDIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
events=${1:-3000000}
runs=${2:-3}

if [ ! -x /usr/bin/time ]; then
  echo "compare.sh: installing GNU time" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq time >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq time >/dev/null; fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/greenwave-peer.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "compare.sh: building greenwave and the Benthos peer in $work" >&2
(cd "$root" && go build -o "$work/greenwave" ./cmd/greenwave)
(cd "$here" && go build -o "$work/benthos" .)

cd "$work"
cat > gen.yaml <<EOF
tenant: gen
sources:
  players: {type: generate, profile: video_sessions, count: $events, seed: 7}
sinks:
  out: {type: file, inputs: [players], path: video.jsonl}
EOF
echo "compare.sh: generating $events video events" >&2
./greenwave run --status off gen.yaml 2>/dev/null

schema='{ts: time, event_type: string, customer: string, session_id: string, viewer_id: string, video_id: string, cdn: string, device: string, country: string, bitrate_kbps: int, buffering_ms: int, startup_ms: int, play_ms: int, seq: int}'
cat > gw-filter.yaml <<EOF
tenant: filter
sources:
  events: {type: file, path: video.jsonl, parallelism: 2, schema: $schema}
transforms:
  high: {type: filter, inputs: [events], condition: 'bitrate_kbps > 1000'}
sinks:
  out: {type: file, inputs: [high], path: gw-filter.jsonl}
EOF
cat > gw-count.yaml <<EOF
tenant: count
sources:
  events: {type: file, path: video.jsonl, parallelism: 2, schema: $schema}
transforms:
  per_customer:
    type: window
    inputs: [events]
    key: [customer]
    window: tumbling
    size: 1s
    time: processing
    aggregates: {count: count()}
sinks:
  out: {type: file, inputs: [per_customer], path: gw-count.jsonl}
EOF
cat > bn-filter.yaml <<'EOF'
input:
  file: {paths: [video.jsonl], scanner: {lines: {}}}
pipeline:
  threads: -1
  processors:
    - mapping: 'root = if this.bitrate_kbps > 1000 { this } else { deleted() }'
output:
  file: {path: bn-filter.jsonl, codec: lines}
logger: {level: warn}
EOF
cat > bn-count.yaml <<'EOF'
input:
  broker:
    inputs:
      - file: {paths: [video.jsonl], scanner: {lines: {}}}
    batching: {count: 0, period: 1s}
pipeline:
  threads: -1
  processors:
    - group_by_value: {value: '${! json("customer") }'}
    - mapping: |
        root.customer = this.customer
        root.count = batch_size()
    - select_parts: {parts: [0]}
output:
  file: {path: bn-count.jsonl, codec: lines}
logger: {level: warn}
EOF

# measure CMD... prints "seconds peak_kb" for one run.
measure() {
  /usr/bin/time -f "%e %M" -o time.out "$@" >/dev/null 2>run.err || { cat run.err >&2; return 1; }
  cat time.out
}

# totals prints "customer count" summed over windows, sorted.
totals() {
  paste -d' ' <(sed -E 's/.*"customer":"([^"]+)".*/\1/' "$1") <(sed -E 's/.*"count":([0-9]+).*/\1/' "$1") |
    awk '{s[$1]+=$2} END {for (k in s) print k, s[k]}' | sort
}

load() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?"; }

printf "%-8s %5s %10s %10s %9s %9s %8s %6s %s\n" workload run "gw ev/s" "bn ev/s" "gw/bn" "gw MB" "bn MB" load check
for w in filter count; do
  for r in $(seq 1 "$runs"); do
    rm -f gw-$w.jsonl bn-$w.jsonl
    read -r gs gkb < <(measure ./greenwave run --status off gw-$w.yaml)
    read -r bs bkb < <(measure ./benthos run bn-$w.yaml)
    if [ "$w" = filter ]; then
      sort gw-filter.jsonl > a.sorted
      sort bn-filter.jsonl > b.sorted
      if cmp -s a.sorted b.sorted; then check="identical ($(wc -l < a.sorted) lines)"; else check="DIFFERENT"; fi
    else
      totals gw-count.jsonl > a.totals
      totals bn-count.jsonl > b.totals
      sum=$(awk '{s+=$2} END {print s}' a.totals)
      if cmp -s a.totals b.totals && [ "$sum" = "$events" ]; then check="same totals ($sum events)"; else check="DIFFERENT"; fi
    fi
    awk -v w="$w" -v r="$r" -v n="$events" -v gs="$gs" -v bs="$bs" -v gkb="$gkb" -v bkb="$bkb" -v l="$(load)" -v c="$check" \
      'BEGIN {printf "%-8s %5d %10.0f %10.0f %8.1fx %9.0f %8.0f %6s %s\n", w, r, n/gs, n/bs, bs/gs, gkb/1024, bkb/1024, l, c}'
    if [ "${check#DIFFERENT}" != "$check" ]; then
      echo "compare.sh: $w: the outputs differ (kept in $work)" >&2
      trap - EXIT
      exit 1
    fi
  done
done
