#!/usr/bin/env bash
# Compares SET throughput with an append-only file, redpool against a real
# redis-server, for each fsync policy, side by side in one run:
#
#   redis-benchmark -t set -n $N -c $CLIENTS -r 100000 -d 64 --threads 1
#
# against `redis-server --appendonly yes --appendfsync X` and redpool with
# [persistence] mode = "aof", fsync = X (both writing into a temp dir on the
# same disk). Then it reports each server's log size before and after a
# BGREWRITEAOF (Redis without the RDB preamble, so both logs are commands).
#
# Each round starts both servers afresh; odd rounds run Redis first, even
# rounds redpool first, so that a load that changes during a round does not
# always favour the same server. Besides requests per second, each row
# gives the servers' CPU (user+system, from /proc) in seconds per million
# requests and its ratio (redpool over Redis: what to compare on a shared,
# loaded machine), the p99 latency in ms that redis-benchmark reports, and
# the load average when the round began.
#
#   bench/aof.sh                       # always, everysec, no
#   POLICIES=always N=200000 bench/aof.sh
#   POLICIES=everysec ROUNDS=5 bench/aof.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-100000}
CLIENTS=${CLIENTS:-50}
POLICIES=${POLICIES:-"always everysec no"}
ROUNDS=${ROUNDS:-1}

for bin in redis-server redis-benchmark redis-cli python3; do
  command -v "$bin" >/dev/null || { echo "$bin not found: apt-get install -y redis-server redis-tools python3" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() {
  for _ in $(seq 1 400); do
    redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2; exit 1
}
info_field() { redis-cli -p "$1" info persistence | tr -d '\r' | awk -F: -v k="$2" '$1 == k { print $2 }'; }
rewrite() {
  redis-cli -p "$1" bgrewriteaof >/dev/null
  sleep 0.2
  for _ in $(seq 1 600); do
    [ "$(info_field "$1" aof_rewrite_in_progress)" = 0 ] && [ "$(info_field "$1" aof_rewrite_scheduled)" = 0 ] && return 0
    sleep 0.1
  done
  echo "rewrite on port $1 did not finish" >&2; exit 1
}
# cpu_ticks PID -> the process's user+system CPU time so far, in clock ticks.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
tck=$(getconf CLK_TCK)
# bench PORT PID -> "rps cpu p99" of the SET benchmark against the server on
# PORT whose process is PID: requests per second, CPU seconds per million
# requests, p99 latency in ms.
bench() {
  local c0 out
  c0=$(cpu_ticks "$2")
  out=$(redis-benchmark -p "$1" -t set -n "$N" -c "$CLIENTS" -r 100000 -d 64 --threads 1 2>/dev/null | tr '\r' '\n')
  awk -v t="$(($(cpu_ticks "$2") - c0))" -v hz="$tck" -v n="$N" '
    /throughput summary/ { rps = $3 }
    /latency summary/ { getline; getline; p99 = $5 }
    END { printf "%s %.2f %s\n", rps, t / hz / n * 1e6, p99 }' <<<"$out"
}

go build -o "$work/redpool" ./cmd/redpool

printf '%-9s %10s %10s %6s %9s %9s %9s %8s %8s %5s   %s\n' fsync redis redpool ratio redis-cpu pool-cpu cpu-ratio redis-99 pool-99 load \
  "log bytes before -> after BGREWRITEAOF (redis | redpool)"
for policy in $POLICIES; do
  for round in $(seq 1 "$ROUNDS"); do
    rdir="$work/redis-$policy-$round"; pdir="$work/redpool-$policy-$round"
    mkdir -p "$rdir" "$pdir"
    rport=$(free_port)
    redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync "$policy" \
      --aof-use-rdb-preamble no --dir "$rdir" --logfile "$rdir/redis.log" &
    rpid=$!; pids+=("$rpid")
    pport=$(free_port)
    cat > "$pdir/redpool.toml" <<TOML
port = $pport
dir = "$pdir"
log_level = "warn"
[persistence]
mode = "aof"
[persistence.aof]
fsync = "$policy"
TOML
    "$work/redpool" -config "$pdir/redpool.toml" 2>"$pdir/redpool.log" &
    ppid=$!; pids+=("$ppid")
    wait_port "$rport"
    wait_port "$pport"

    load=$(cut -d' ' -f1 /proc/loadavg)
    if ((round % 2)); then
      read -r r rc r99 < <(bench "$rport" "$rpid")
      read -r m mc m99 < <(bench "$pport" "$ppid")
    else
      read -r m mc m99 < <(bench "$pport" "$ppid")
      read -r r rc r99 < <(bench "$rport" "$rpid")
    fi
    ratio=$(awk -v a="$m" -v b="$r" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "n/a" }')
    cratio=$(awk -v a="$mc" -v b="$rc" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "n/a" }')

    rb=$(info_field "$rport" aof_current_size); rewrite "$rport"; ra=$(info_field "$rport" aof_current_size)
    pb=$(info_field "$pport" aof_current_size); rewrite "$pport"; pa=$(info_field "$pport" aof_current_size)
    printf '%-9s %10s %10s %6s %9s %9s %9s %8s %8s %5s   %s -> %s | %s -> %s\n' "$policy" "$r" "$m" "$ratio" \
      "$rc" "$mc" "$cratio" "$r99" "$m99" "$load" "$rb" "$ra" "$pb" "$pa"

    kill "$rpid" "$ppid" 2>/dev/null || true
    wait "$rpid" "$ppid" 2>/dev/null || true
  done
done
