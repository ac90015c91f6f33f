#!/usr/bin/env bash
# Memory per key, redpool against Redis, same commands: each case loads a
# fresh server of each with distinct keys (bench/keysload piped through
# redis-cli --pipe), waits 2 s (KEYSMEM_WAIT seconds), and prints RSS (from /proc) and INFO's
# used_memory in MB, and redpool/Redis ratios; then the anonymous part of
# RSS (RssAnon: what the process allocated, without the executable's and
# libraries' pages mapped from the page cache) and its ratio.
#   string: N keys (default 1000000), SET of a 64-byte value
#   hash:   N/10 keys, HSET of 10 fields with 16-byte values
#   set:    N/10 keys, SADD of 10 members
#   zset:   N/10 keys, ZADD of 10 members
# Usage: bench/keysmem.sh [N] [CASE...]   (extra redpool TOML lines in
# REDPOOL_CONF, one per line)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

n=${1:-1000000}
shift || true
cases=("$@")
[[ ${#cases[@]} -gt 0 ]] || cases=(string hash set zset)
bench_init
go build -o "$work/bin/keysload" ./bench/keysload

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
anon_kb() { awk '/^RssAnon:/ {print $2}' "/proc/$1/status"; }
used() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1=="used_memory" {print $2}'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b/1048576 }'; }

# measure PORT PID TYPE KEYS -> "RSS MB, used_memory MB, keys, RssAnon MB"
measure() {
  local port=$1 pid=$2 typ=$3 keys=$4 d=64
  [[ $typ == string ]] || d=16
  "$work/bin/keysload" -type "$typ" -n "$keys" -m 10 -d "$d" | redis-cli -p "$port" --pipe >/dev/null
  sleep "${KEYSMEM_WAIT:-2}"
  echo "$(mb $(($(rss_kb "$pid") * 1024))) $(mb "$(used "$port")") $(redis-cli -p "$port" dbsize) $(mb $(($(anon_kb "$pid") * 1024)))"
}

printf '%-7s %9s %8s | %9s %8s | %9s %9s | %10s %12s %10s\n' case redis_rss used redpool used rss_ratio used_ratio redis_anon redpool_anon anon_ratio
for c in "${cases[@]}"; do
  keys=$n
  [[ $c == string ]] || keys=$((n / 10))
  rport=$(free_port)
  start_redis "$rport"
  rpid=${pids[-1]}
  read -r rr ru rk ra <<<"$(measure "$rport" "$rpid" "$c" "$keys")"
  stop_pid "$rpid"
  pport=$(free_port)
  mapfile -t extra <<<"${REDPOOL_CONF:-}"
  start_redpool "$pport" "redpool-$c" '[persistence]' 'mode = "none"' "${extra[@]}"
  ppid=$last_pid
  read -r pr pu pk pa <<<"$(measure "$pport" "$ppid" "$c" "$keys")"
  stop_pid "$ppid"
  [[ $rk == "$keys" && $pk == "$keys" ]] || echo "warning: $c: $rk keys in redis, $pk in redpool, want $keys" >&2
  printf '%-7s %9s %8s | %9s %8s | %9s %9s | %10s %12s %10s\n' "$c" "$rr" "$ru" "$pr" "$pu" "$(ratio "$pr" "$rr")" "$(ratio "$pu" "$ru")" \
    "$ra" "$pa" "$(ratio "$pa" "$ra")"
done
