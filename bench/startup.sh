#!/usr/bin/env bash
# Startup (issue 22, target 6): how long a server takes from its start
# until it answers PING with PONG, having loaded KEYS keys, redpool against
# Redis 7.0 with the same data, in ROUNDS alternating rounds:
#
#   snapshot  redpool's snapshot (mode = "snapshot") against Redis's RDB
#   aof       redpool's AOF after BGREWRITEAOF (mode = "aof") against
#             Redis's AOF after BGREWRITEAOF (aof-use-rdb-preamble no, so
#             both replay commands)
#   bolt      a bolt server opening a file of BOLT_BYTES (default 10 GB,
#             written first by bench/boltfill, deleted at exit), its page
#             cache dropped before each start (posix_fadvise DONTNEED), so
#             that a start that read the file would show it
#
# The data is DEBUG POPULATE KEYS on each server (keys key:0 ... with
# values value:0 ..., the same in both). Every row prints the wall seconds
# to the first PONG and the server's CPU seconds (user+system, /proc) by
# then, which vary less on a shared machine.
#
#   bench/startup.sh                          # snapshot aof bolt, 1,000,000 keys, 3 rounds
#   CASES="snapshot aof" ROUNDS=5 bench/startup.sh
#   CASES=bolt BOLT_BYTES=2000000000 bench/startup.sh
#   BOLT_DIR=/data/big bench/startup.sh       # where the bolt file goes (default: the temp dir)
#
# The ratio is redpool's seconds over Redis's (at most 1: redpool starts as
# fast or faster). After the rounds of a case comes its medians' line,
# "startup CASE redpool-s redis-s ratio redpool-cpu redis-cpu" (bolt's Redis
# columns are "-"), which bench/targets.sh reads.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
KEYS=${KEYS:-1000000}
ROUNDS=${ROUNDS:-3}
CASES=${CASES:-"snapshot aof bolt"}
BOLT_BYTES=${BOLT_BYTES:-10000000000}

bench_init
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# until_pong PORT PID T0 -> "wall cpu": seconds from T0 to the first PONG,
# and the server's CPU seconds by then.
until_pong() {
  until [[ $(redis-cli -p "$1" ping 2>/dev/null) == PONG ]]; do
    kill -0 "$2" 2>/dev/null || { echo "server $2 exited; logs:" >&2; tail -n 5 "$work"/*.log >&2; exit 1; }
    sleep 0.005
  done
  local t1
  t1=$(now)
  echo "$(secs "$3" "$t1") $(cpu_s "$2")"
}

# wait_rewrite PORT -> waits for BGREWRITEAOF to finish.
wait_rewrite() {
  sleep 0.2
  for _ in $(seq 1 1200); do
    if redis-cli -p "$1" info persistence | tr -d '\r' | grep -q '^aof_rewrite_in_progress:0'; then
      redis-cli -p "$1" info persistence | tr -d '\r' | grep -q '^aof_rewrite_scheduled:1' || return 0
    fi
    sleep 0.1
  done
  echo "rewrite on port $1 did not finish" >&2; exit 1
}

# redis_args CASE DIR -> redis-server's arguments for the case.
redis_args() {
  local a=(--bind 127.0.0.1 --save '' --dir "$2" --logfile "$2/redis.log" --enable-debug-command yes)
  case $1 in
    snapshot) a+=(--appendonly no --dbfilename dump.rdb) ;;
    aof) a+=(--appendonly yes --aof-use-rdb-preamble no --appendfsync everysec) ;;
  esac
  printf '%s\n' "${a[@]}"
}

# redpool_conf CASE DIR PORT -> redpool's config for the case.
redpool_conf() {
  printf 'port = %s\ndir = "%s"\nlog_level = "warn"\nenable_debug_command = "yes"\n' "$3" "$2"
  case $1 in
    snapshot) printf '[persistence]\nmode = "snapshot"\n' ;;
    aof) printf '[persistence]\nmode = "aof"\n' ;;
    bolt) printf 'backend = "bolt"\n[bolt]\nsync = "always"\n[persistence]\nmode = "none"\n' ;;
  esac
}

# start_redis_case CASE DIR PORT -> starts it, pid in $spid, start time in $t0.
start_redis_case() {
  local args
  mapfile -t args < <(redis_args "$1" "$2")
  t0=$(now)
  redis-server --port "$3" "${args[@]}" &
  spid=$!
  pids+=("$spid")
}

start_redpool_case() {
  redpool_conf "$1" "$2" "$3" >"$2/redpool.toml"
  t0=$(now)
  "$work/bin/redpool" -config "$2/redpool.toml" 2>>"$work/redpool-$1.log" &
  spid=$!
  pids+=("$spid")
}

# fill CASE SERVER DIR -> writes KEYS keys and leaves them on disk.
fill() {
  local port
  port=$(free_port)
  mkdir -p "$3"
  "start_$2_case" "$1" "$3" "$port"
  until_pong "$port" "$spid" "$t0" >/dev/null
  redis-cli -p "$port" debug populate "$KEYS" >/dev/null
  case $1 in
    snapshot) redis-cli -p "$port" save >/dev/null ;;
    aof) redis-cli -p "$port" bgrewriteaof >/dev/null; wait_rewrite "$port" ;;
  esac
  stop_pid "$spid"
}

# load CASE SERVER DIR -> "wall cpu" of one start, checking DBSIZE.
load() {
  local port res n
  port=$(free_port)
  "start_$2_case" "$1" "$3" "$port"
  res=$(until_pong "$port" "$spid" "$t0")
  n=$(redis-cli -p "$port" dbsize)
  [[ $1 == bolt || $n == "$KEYS" ]] || { echo "$2 $1: DBSIZE $n after loading, want $KEYS" >&2; exit 1; }
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  stop_pid "$spid"
  echo "$res"
}

# drop_cache FILE... -> asks the kernel to drop the files' cached pages.
drop_cache() {
  python3 - "$@" <<'PY'
import os, sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
}

echo "startup: $KEYS keys (DEBUG POPULATE), $ROUNDS rounds, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-5s %10s %10s %7s %11s %11s\n' case round redpool-s redis-s ratio redpool-cpu redis-cpu
for c in $CASES; do
  pw=() rw=() pc=() rc=() qs=()
  if [[ $c == bolt ]]; then
    go build -o "$work/bin/boltfill" ./bench/boltfill
    bdir=${BOLT_DIR:-$work/bolt}
    mkdir -p "$bdir"
    trap 'rm -f "$bdir/redpool.db"; bench_cleanup' EXIT INT TERM
    echo "writing a $BOLT_BYTES-byte bolt file: $("$work/bin/boltfill" -path "$bdir/redpool.db" -size "$BOLT_BYTES" -value 4000 -batch 4000)"
  else
    fill "$c" redis "$work/redis-$c"
    fill "$c" redpool "$work/redpool-$c"
  fi
  for r in $(seq 1 "$ROUNDS"); do
    if [[ $c == bolt ]]; then
      drop_cache "$bdir/redpool.db"
      res=$(load bolt redpool "$bdir") # (a failed load stops the script)
      read -r a ac <<<"$res"
      b=- bc=-
    else
      res=$(load "$c" redis "$work/redis-$c")
      read -r b bc <<<"$res"
      res=$(load "$c" redpool "$work/redpool-$c")
      read -r a ac <<<"$res"
      rw+=("$b") rc+=("$bc")
    fi
    pw+=("$a") pc+=("$ac")
    q=-; [[ $c == bolt ]] || q=$(ratio "$a" "$b")
    qs+=("$q")
    printf '%-8s %-5s %10s %10s %7s %11s %11s\n' "$c" "$r" "$a" "$b" "$q" "$ac" "$bc"
  done
  # The medians' row: each column's median, and the median of the rounds'
  # ratios (redpool's time over Redis's: at most 1 is as fast or faster).
  a=$(printf '%s\n' "${pw[@]}" | median) ac=$(printf '%s\n' "${pc[@]}" | median)
  if [[ $c == bolt ]]; then
    b=- bc=- q=-
  else
    b=$(printf '%s\n' "${rw[@]}" | median) bc=$(printf '%s\n' "${rc[@]}" | median) q=$(printf '%s\n' "${qs[@]}" | median)
  fi
  printf 'startup %s %s %s %s %s %s\n' "$c" "$a" "$b" "$q" "$ac" "$bc"
done
