#!/usr/bin/env bash
# End-to-end figures of `generate --stdout` on the scale fixture (see BENCHMARKS.md, "generate end to
# end"): wall time, peak RSS (GNU time's "Maximum resident set size"), per injection, and the ratio to
# the floor (the YAML writer alone on the same final documents, `SCALE_FLOOR=1`).
#
#   tests/benches/end_to_end.sh                 # N = 20 200 2000 20000, 3 runs each, medians
#   NS="2000 20000" RUNS=5 tests/benches/end_to_end.sh
#   BIN=/tmp/scale-before tests/benches/end_to_end.sh   # another build of examples/scale (a paired run)
#
# Needs GNU time at /usr/bin/time (Debian: apt-get install time). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
NS=${NS:-"20 200 2000 20000"}
RUNS=${RUNS:-3}
K=20
if [ -z "${BIN:-}" ]; then
  cargo build --release --example scale --quiet
fi
bin=${BIN:-target/release/examples/scale}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "before: $(uptime)"
echo
echo "| N | injections | wall s | peak RSS MiB | µs / injection | bytes / injection | floor s | wall / floor | paired wall / floor | output MiB |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $NS; do
  : >"$tmp/wall"; : >"$tmp/rss"; : >"$tmp/floor"; : >"$tmp/ratio"
  for _ in $(seq "$RUNS"); do
    start=$EPOCHREALTIME
    SCALE_STACKS=$n /usr/bin/time -v -o "$tmp/time" "$bin" generate --stdout >"$tmp/out"
    end=$EPOCHREALTIME
    echo "$end - $start" | bc -l >>"$tmp/wall"
    awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time" >>"$tmp/rss"
    SCALE_STACKS=$n SCALE_FLOOR=1 "$bin" 2>&1 >"$tmp/floor-out" | awk '/floor-seconds/ {print $2}' >>"$tmp/floor"
    cmp -s "$tmp/out" "$tmp/floor-out" || { echo "N=$n: the floor wrote other bytes than generate" >&2; exit 1; }
    # The ratio of each run to the floor measured right after it: on a shared machine the load
    # drifts between runs, and this median is steadier than the ratio of the two medians.
    echo "$(tail -n1 "$tmp/wall") / $(tail -n1 "$tmp/floor")" | bc -l >>"$tmp/ratio"
  done
  wall=$(median <"$tmp/wall"); rss_kb=$(median <"$tmp/rss"); fl=$(median <"$tmp/floor"); ratio=$(median <"$tmp/ratio")
  bytes=$(stat -c %s "$tmp/out")
  awk -v n="$n" -v k="$K" -v w="$wall" -v r="$rss_kb" -v f="$fl" -v q="$ratio" -v b="$bytes" 'BEGIN {
    inj = n * k
    printf "| %d | %d | %.3f | %.1f | %.2f | %.0f | %.3f | %.2f | %.2f | %.1f |\n", n, inj, w, r / 1024, w * 1e6 / inj, r * 1024 / inj, f, w / f, q, b / 1048576
  }'
done
echo
echo "after: $(uptime)"
