#!/usr/bin/env bash
# Compares random-key SET throughput of redpool's bolt backend with
# sync = "always" (the write-ahead log) against a real redis-server with
# appendonly yes, appendfsync always, side by side: both servers run at
# once (files in a temp dir on the same disk) and the benchmark alternates
# between them ROUNDS times, printing each round's ratio and the median.
#
#   redis-benchmark -t set -r $KEYS -n $N -c $CLIENTS -d 64 --threads 1
#
#   bench/boltwal.sh                          # 5 rounds, N=200000, -c 50, -r 1000000
#   ROUNDS=3 CLIENTS=500 bench/boltwal.sh
#   REDPOOL_BIN=/tmp/old/redpool bench/boltwal.sh   # another build of redpool
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROUNDS=${ROUNDS:-5}
export N=${N:-200000} KEYS=${KEYS:-1000000}

bench_init
bin=${REDPOOL_BIN:-$work/bin/redpool}
rport=$(free_port)
start_redis "$rport" --appendonly yes --appendfsync always
pport=$(free_port)
{
  echo "port = $pport"
  echo "dir = \"$work/bolt\""
  echo 'log_level = "warn"'
  echo 'backend = "bolt"'
  echo '[bolt]'
  echo 'sync = "always"'
  echo '[persistence]'
  echo 'mode = "none"'
} > "$work/bolt.toml"
"$bin" -config "$work/bolt.toml" 2>"$work/bolt.log" &
pids+=($!)
wait_port "$pport"

ratios=()
printf '%-5s %12s %12s %6s\n' round redis redpool ratio
for r in $(seq 1 "$ROUNDS"); do
  a=$(rps "$rport" set 1)
  b=$(rps "$pport" set 1)
  q=$(ratio "$b" "$a")
  ratios+=("$q")
  printf '%-5s %12s %12s %6s\n' "$r" "$a" "$b" "$q"
done
printf 'median ratio %s (load average %s)\n' \
  "$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
redis-cli -p "$pport" info backend 2>/dev/null | tr -d '\r' | grep -E "^bolt_(wal|commits|updates_per)" || true
