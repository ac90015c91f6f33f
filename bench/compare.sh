#!/usr/bin/env bash
# Runs the same redis-benchmark cases against a real redis-server and against
# redpool (memory backend, no persistence), on free loopback ports, and prints
# each case's requests per second with the ratio redpool/redis.
#
#   bench/compare.sh                         # SET, GET, INCR at -P 1 and -P 16
#   N=200000 TESTS=set,get PIPES=1 bench/compare.sh
#   KEYS=0 bench/compare.sh                  # one fixed key instead of -r 100000
#   THREADS=2 bench/compare.sh               # redpool's threads key (default 0 = auto)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
TESTS=${TESTS:-set,get,incr}
PIPES=${PIPES:-"1 16"}

bench_init
rport=$(free_port); start_redis "$rport"
pport=$(free_port); start_redpool "$pport" memory "threads = ${THREADS:-0}" '[persistence]' 'mode = "none"'
echo "redpool: memory backend, no persistence, threads = ${THREADS:-0} (0 = auto); $(nproc) CPUs"

printf '%-6s %-4s %14s %14s %8s\n' test P redis redpool ratio
for p in $PIPES; do
  for t in ${TESTS//,/ }; do
    r=$(rps "$rport" "$t" "$p")
    m=$(rps "$pport" "$t" "$p")
    printf '%-6s %-4s %14s %14s %8s\n' "$t" "$p" "$r" "$m" "$(ratio "$m" "$r")"
  done
done
