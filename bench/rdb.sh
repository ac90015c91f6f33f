#!/usr/bin/env bash
# Times `redpool snapshot import-rdb` of an RDB file of KEYS keys (made by
# DEBUG POPULATE in a real redis-server, then SAVE) into each store (memory
# with an AOF, memory with a snapshot, bolt) against redis-server loading
# the same file: from its start until it answers PING (not -LOADING), and
# the "DB loaded from disk" time it logs. ROUNDS rounds, alternating. Wall
# times and CPU times (user + system) are printed: on a shared machine the
# CPU times are the steadier comparison.
#
#   bench/rdb.sh                    # 1,000,000 keys, 3 rounds
#   KEYS=200000 ROUNDS=1 bench/rdb.sh
#   STORES=aof bench/rdb.sh         # some of aof, snapshot, bolt
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
KEYS=${KEYS:-1000000}
ROUNDS=${ROUNDS:-3}
STORES=${STORES:-aof snapshot bolt}

bench_init
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# The file: DEBUG POPULATE in a real Redis, then SAVE.
src=$work/src
mkdir -p "$src"
port=$(free_port)
start_redis "$port" --enable-debug-command yes --dir "$src"
redis-cli -p "$port" debug populate "$KEYS" >/dev/null
redis-cli -p "$port" save >/dev/null
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
wait 2>/dev/null || true
pids=()
echo "RDB file: $KEYS keys (DEBUG POPULATE), $(du -h "$src/dump.rdb" | cut -f1); $(nproc) CPUs"

redis_load() {
  local port dir=$work/redis-load log=$work/redis-load.log t0 t1 pid
  rm -rf "$dir" "$log"; mkdir -p "$dir"; cp "$src/dump.rdb" "$dir/"
  port=$(free_port)
  t0=$(now)
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --logfile "$log" &
  pid=$!
  until [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]]; do sleep 0.01; done
  t1=$(now)
  # utime and stime of the process so far, in clock ticks (fields 14, 15).
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "redis-server load: $(secs "$t0" "$t1") s to ready, $cpu s CPU ($(grep -o 'DB loaded from disk: [0-9.]* seconds' "$log"))"
}

import_rdb() {
  local store=$1 dir=$work/store-$1 t0 t1 out
  rm -rf "$dir"; mkdir -p "$dir"
  case $store in
    aof) printf 'dir = "%s"\n[persistence]\nmode = "aof"\n' "$dir" ;;
    snapshot) printf 'dir = "%s"\n[persistence]\nmode = "snapshot"\n' "$dir" ;;
    bolt) printf 'dir = "%s"\nbackend = "bolt"\n[bolt]\nsync = "none"\n' "$dir" ;;
  esac > "$work/$store.toml"
  t0=$(now)
  out=$(/usr/bin/time -f 'cpu %U %S' -o "$work/time.txt" "$work/bin/redpool" snapshot import-rdb -config "$work/$store.toml" "$src/dump.rdb")
  t1=$(now)
  cpu=$(awk '/^cpu/ { printf "%.2f", $2 + $3 }' "$work/time.txt")
  echo "redpool import-rdb into $store: $(secs "$t0" "$t1") s, $cpu s CPU (${out##* in })"
}

for r in $(seq 1 "$ROUNDS"); do
  echo "--- round $r"
  redis_load
  for s in $STORES; do import_rdb "$s"; done
done
