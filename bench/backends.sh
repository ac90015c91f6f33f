#!/usr/bin/env bash
# Runs SET, GET, LPUSH and HSET at -c 50 against redpool in memory mode and in
# bolt mode with each sync setting, one server after the other, and prints
# requests per second with each bolt mode's ratio to memory mode.
#
#   bench/backends.sh                  # random keys among 100,000 (-r 100000)
#   KEYS=0 bench/backends.sh           # redis-benchmark's default: one fixed key
#   N=50000 TESTS=set,lpush bench/backends.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
TESTS=${TESTS:-set,get,lpush,hset}
P=${P:-1}

bench_init
modes=(memory bolt-always bolt-batch bolt-none)
declare -A res
for m in "${modes[@]}"; do
  port=$(free_port)
  case $m in
    memory) start_redpool "$port" "$m" '[persistence]' 'mode = "none"' ;;
    bolt-*) start_redpool "$port" "$m" 'backend = "bolt"' '[bolt]' "sync = \"${m#bolt-}\"" '[persistence]' 'mode = "none"' ;;
  esac
  for t in ${TESTS//,/ }; do
    res[$m,$t]=$(rps "$port" "$t" "$P")
  done
  stop_pid "$last_pid"
done

printf '%-6s' test
for m in "${modes[@]}"; do printf ' %13s' "$m"; done
printf '   %s\n' "ratios to memory (always / batch / none)"
for t in ${TESTS//,/ }; do
  printf '%-6s' "$t"
  for m in "${modes[@]}"; do printf ' %13s' "${res[$m,$t]}"; done
  printf '   %s / %s / %s\n' "$(ratio "${res[bolt-always,$t]}" "${res[memory,$t]}")" \
    "$(ratio "${res[bolt-batch,$t]}" "${res[memory,$t]}")" "$(ratio "${res[bolt-none,$t]}" "${res[memory,$t]}")"
done
