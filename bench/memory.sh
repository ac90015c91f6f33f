#!/usr/bin/env bash
# Memory per client and per large value, redpool against Redis, same run:
#   1. RSS of N idle clients (default 10000): each connects, sends one
#      PING, then stays idle; RSS is read from /proc before and IDLE_WAIT
#      seconds (default 10) after they are all connected. Redis frees an
#      idle client's query buffer once it has been idle 2 s (clientsCron),
#      so a reading after 2 s catches it half way (51 to 103 MB for 10,000
#      clients) and one after 10 s its steady state (about 32 MB).
#   2. A 100 MB value, on fresh servers: RSS 1.5 s after its SET, its
#      GET and its DEL (whether freed memory goes back to the OS), and
#      the peak RSS.
# Usage: bench/memory.sh [N]   (needs ulimit -n of N + a few hundred)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

n=${1:-10000}
idle_wait=${IDLE_WAIT:-10}
ulimit -n "$(ulimit -Hn)"
bench_init
go build -o "$work/bin/idleclients" ./bench/idleclients

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k/1024 }'; }

# idle PORT PID -> "RSS before, RSS with n idle clients, difference" in MB
idle() {
  local port=$1 pid=$2 before with holder in out line
  before=$(rss_kb "$pid")
  in="$work/in.$port" out="$work/out.$port"
  mkfifo "$in" "$out"
  "$work/bin/idleclients" -addr "127.0.0.1:$port" -n "$n" <"$in" >"$out" &
  holder=$!
  exec 7>"$in" # the clients stay while this stays open
  read -r line <"$out"
  [[ $line == ready ]] || { echo "idleclients failed" >&2; exit 1; }
  sleep "$idle_wait"
  with=$(rss_kb "$pid")
  exec 7>&-
  wait "$holder" || true
  rm -f "$in" "$out"
  echo "$(mb "$before") $(mb "$with") $(mb $((with - before)))"
}

# bigvalue PORT PID -> RSS in MB before, then 1.5 s after each of SET,
# GET and DEL of a 100 MB value, then the peak RSS over the three.
bigvalue() {
  local port=$1 pid=$2 out
  sleep 1.5 # what the last test freed goes back first
  out="$(mb "$(rss_kb "$pid")")"
  echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true # resets VmHWM, the peak
  head -c 100000000 /dev/zero | tr '\0' 'x' | redis-cli -p "$port" -x SET big >/dev/null
  sleep 1.5
  out="$out $(mb "$(rss_kb "$pid")")"
  redis-cli -p "$port" GET big | wc -c >/dev/null
  sleep 1.5
  out="$out $(mb "$(rss_kb "$pid")")"
  redis-cli -p "$port" DEL big >/dev/null
  sleep 1.5
  out="$out $(mb "$(rss_kb "$pid")")"
  echo "$out $(mb "$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")")"
}

# start_both NAME: a fresh Redis and redpool ($rport/$rpid, $pport/$ppid).
start_both() {
  rport=$(free_port)
  start_redis "$rport" --maxclients $((n + 100))
  rpid=${pids[-1]}
  pport=$(free_port)
  # Without persistence, as the Redis beside it (no AOF, no RDB saves).
  start_redpool "$pport" "redpool-$1" "max_clients = $((n + 100))" '[persistence]' 'mode = "none"'
  ppid=$last_pid
}

start_both idle
echo "== $n idle clients: RSS MB before, with them, difference =="
echo "redis   $(idle "$rport" "$rpid")"
echo "redpool $(idle "$pport" "$ppid")"
# The value on fresh servers, so that what the clients left behind (the
# pool's parked workers, Redis's freed client memory) is not counted.
stop_pid "$rpid"
stop_pid "$ppid"
start_both value
echo "== 100 MB value: RSS MB before, 1.5 s after SET, after GET, after DEL; peak =="
echo "redis   $(bigvalue "$rport" "$rpid")"
echo "redpool $(bigvalue "$pport" "$ppid")"
