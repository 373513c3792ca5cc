#!/bin/sh
# Cost of regions: the default scenario's agents in 40, 400 and 2,000
# regions (benches/regions/), run back to back on 2 threads, for each
# binary given (default: target/release/proxima). Prints wall seconds,
# seconds per step (76 steps), user CPU seconds and peak resident memory
# (MB).
#
#   scripts/bench_regions.sh [BINARY...]
#
# Needs GNU time (/usr/bin/time). About 30 s per run of the current code.
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- target/release/proxima
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-28s %8s %8s %10s %8s %8s\n' binary regions wall_s s/step user_s peak_MB
for n in 40 400 2000; do
    for bin in "$@"; do
        /usr/bin/time -f '%e %M %U' -o "$out/time" "$bin" run "benches/regions/regions_$n.toml" \
            --out "$out/run" --force --quiet --threads 2
        read -r wall kb user < "$out/time"
        awk -v b="$bin" -v n="$n" -v w="$wall" -v kb="$kb" -v u="$user" \
            'BEGIN { printf "%-28s %8d %8.2f %10.3f %8.2f %8.1f\n", b, n, w, w / 76, u, kb / 1000 }'
    done
done
