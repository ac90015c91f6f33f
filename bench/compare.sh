#!/usr/bin/env bash
# Runs the same redis-benchmark cases against a real redis-server and against
# redpool (memory backend, no persistence), on free loopback ports, and prints
# each case's requests per second with the ratio redpool/redis.
#
#   bench/compare.sh                         # SET, GET, INCR at -P 1 and -P 16
#   N=200000 TESTS=set,get PIPES=1 bench/compare.sh
#   TESTS=sadd,sismember,smembers,spop bench/compare.sh   # the set family
#   TESTS=zadd,zpopmin,zrange10,zscore bench/compare.sh    # the sorted-set family
#   TESTS=zadd_small,zrange_small,zscore_small bench/compare.sh  # small sorted sets
#   TESTS=sort,sortalpha,sortby bench/compare.sh           # SORT
#   TESTS=publish1,publish50 bench/compare.sh              # Pub/Sub
#   TESTS=pfadd,pfcount,pfcount2 bench/compare.sh          # HyperLogLog
#   TESTS=geoadd,geosearch,geowdist bench/compare.sh       # the geo family
#   TESTS=setbit,bitcount bench/compare.sh                 # bitmaps
#   TESTS=dump_small,dump_hash1000,dump_str100k bench/compare.sh  # DUMP
#   TESTS=xadd,xrange10 bench/compare.sh                   # streams
#   TESTS=multi bench/compare.sh                           # MULTI; SET; INCR; EXEC
#
# A test is a redis-benchmark -t name (set, get, incr, sadd, spop, ...) or
# one of the custom commands below: sismember (a random member of the
# "myset" that sadd fills), smembers (a set of 10 members, loaded first),
# zrange10 (ZRANGE of 10 members from the middle of a 1,000-member sorted
# set, loaded first), zscore (a member of that set); zadd_small,
# zrange_small and zscore_small (ZADD of a new score to a member, ZRANGE
# 0 -1 and ZSCORE of a member, on a sorted set of 10 members, loaded
# first: the packed form of backend/memory/zpack.go); sort, sortalpha and
# sortby sort a list of 100 numbers (loaded first): all of it, the first 10
# by ALPHA, and the first 10 by a weight key with a hash field for each;
# publish1 and publish50 (PUBLISH to a channel with 1 or 50 subscribers,
# held by bench/subscribers, which reads and discards the messages);
# evalsha_get and evalsha_incr (EVALSHA of a script doing a GET, and of one
# doing INCR + EXPIRE); pfadd (PFADD of a random element to one HLL, dense
# after the first few thousand), pfcount (PFCOUNT of a dense HLL of 10,000
# elements, loaded first: the cached cardinality) and pfcount2 (PFCOUNT of
# the union of two such HLLs, computed every time); geoadd (GEOADD of a
# random member at a random position), geosearch and geowdist (GEOSEARCH
# BYRADIUS over 10,000 points spread over a degree square, loaded first,
# finding about 10 of them; the second WITHDIST ASC); setbit (SETBIT at a random offset of a 1 MB
# bitmap, whatever KEYS says, sent by bench/randload: redis-benchmark's
# zero-padded __rand_int__ is no valid offset) and bitcount (BITCOUNT of a
# 1 MB string of random bytes, loaded first); dump_small, dump_hash1000 and
# dump_str100k (DUMP of a 5-byte string, of a 1,000-field hash and of a
# 100 KB string that LZF compresses, loaded first); xadd (XADD of an entry
# with a random value to one stream, ids from the clock) and xrange10
# (XRANGE of 10 entries from the middle of a 10,000-entry stream, loaded
# first); multi (the transaction MULTI; SET k v; INCR n; EXEC, four
# commands sent together and counted as one request, by bench/randload;
# every client writes the same two keys). RESTORE is not here:
# redis-benchmark cannot send a binary payload; BenchmarkRestore* in
# command compare it.
#   ROUNDS=3 TESTS=xadd bench/compare.sh       # each case 3 times, alternating
# Every row also has each server's CPU seconds (user+system, from
# /proc/PID/stat) per million requests, and redpool's over Redis's.
#   REDPOOL_BIN=/tmp/redpool-old bench/compare.sh   # that binary, not this tree's
#   KEYS=0 bench/compare.sh                  # one fixed key instead of -r 100000
#   CLIENTS=500 bench/compare.sh             # redis-benchmark -c (default 50)
#   LATENCY=1 bench/compare.sh               # also p99 and p99.9 latency (ms)
# LATENCY adds each server's p99 (redis-benchmark's latency summary) and
# p99.9 (the first line of its percentile distribution at or above 99.9%,
# which is 99.902%) for the -t tests; custom tests show "-".
#   THREADS=2 bench/compare.sh               # redpool's threads key (default 0 = auto)
#   NOTIFY=KEA TESTS=set,incr,lpush bench/compare.sh  # with keyspace notifications on
#   ACLUSER=1 bench/compare.sh               # as an ACL user with key patterns
# ACLUSER makes redis-benchmark log in as a user "bench" allowed every
# command on the benchmark's keys only (~key:* ~counter:* ...), so that
# every command goes through the ACL's key check instead of the default
# user's shortcut.
# NOTIFY sets notify-keyspace-events on both servers, and a redis-cli
# subscribed to __key*__:* on each receives (and discards) every event.
#   MAXMEMORY=2mb POLICY=allkeys-lru TESTS=set bench/compare.sh   # evicting all along
# MAXMEMORY sets maxmemory (and maxmemory-policy POLICY, default
# allkeys-lru) on both servers after the loading.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
TESTS=${TESTS:-set,get,incr}
PIPES=${PIPES:-"1 16"}

bench_init
[[ -n ${REDPOOL_BIN:-} ]] && cp "$REDPOOL_BIN" "$work/bin/redpool"
go build -o "$work/bin/subscribers" ./bench/subscribers
go build -o "$work/bin/randload" ./bench/randload
rport=$(free_port); start_redis "$rport"
rpid=${pids[-1]}
pport=$(free_port); start_redpool "$pport" memory "threads = ${THREADS:-0}" '[persistence]' 'mode = "none"'
ppid=$last_pid
echo "redpool: memory backend, no persistence, threads = ${THREADS:-0} (0 = auto); $(nproc) CPUs"

# custom TEST -> the command line of a test redis-benchmark -t does not have.
custom() {
  case $1 in
    sismember) echo "SISMEMBER myset element:__rand_int__" ;;
    smembers) echo "SMEMBERS myset10" ;;
    zrange10) echo "ZRANGE myzset1000 500 509" ;;
    zscore) echo "ZSCORE myzset1000 m500" ;;
    zadd_small) echo "ZADD myzset10 __rand_int__ m5" ;;
    zrange_small) echo "ZRANGE myzset10 0 -1" ;;
    zscore_small) echo "ZSCORE myzset10 m7" ;;
    sort) echo "SORT mylist100" ;;
    sortalpha) echo "SORT mylist100 ALPHA LIMIT 0 10" ;;
    sortby) echo "SORT mylist100 BY w_* GET h_*->f LIMIT 0 10" ;;
    publish1) echo "PUBLISH bench:1 message:__rand_int__" ;;
    publish50) echo "PUBLISH bench:50 message:__rand_int__" ;;
    evalsha_get) echo "EVALSHA $(sha1 "$lua_get") 1 key:__rand_int__" ;;
    evalsha_incr) echo "EVALSHA $(sha1 "$lua_incr") 1 counter:__rand_int__" ;;
    pfadd) echo "PFADD myhll element:__rand_int__" ;;
    pfcount) echo "PFCOUNT myhll10k" ;;
    pfcount2) echo "PFCOUNT myhll10k myhll10k2" ;;
    geoadd) echo "GEOADD mygeo 13.__rand_int__ 38.__rand_int__ m:__rand_int__" ;;
    geosearch) echo "GEOSEARCH geo10k FROMLONLAT 13.5 38.5 BYRADIUS 1.8 km" ;;
    geowdist) echo "GEOSEARCH geo10k FROMLONLAT 13.5 38.5 BYRADIUS 1.8 km WITHDIST ASC" ;;
    setbit) echo "SETBIT bitmap1m __rand_dec__ 1" ;;
    bitcount) echo "BITCOUNT bitmap1mfull" ;;
    dump_small) echo "DUMP mystr5" ;;
    dump_hash1000) echo "DUMP myhash1000" ;;
    dump_str100k) echo "DUMP mystr100k" ;;
    xadd) echo "XADD mystream * field value:__rand_int__" ;;
    xrange10) echo "XRANGE mystream10k 5000 + COUNT 10" ;;
    multi) echo "MULTI ; SET k v ; INCR n ; EXEC" ;;
    *) return 1 ;;
  esac
}

# cpu_ticks PID -> the process's user+system CPU time so far, in clock
# ticks (/proc/PID/stat fields 14 and 15, counted after the ")" that ends
# the command name).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
tck=$(getconf CLK_TCK)

# cpu_per_m TICKS -> CPU seconds per million requests of a run of N.
cpu_per_m() { awk -v t="$1" -v hz="$tck" -v n="${N:-100000}" 'BEGIN { printf "%.2f", t / hz / n * 1e6 }'; }

# subscribers PORT TEST -> starts the subscribers a publishN test needs
# (none for other tests) and sets $sub_pid (empty if none).
sub_pid=
subscribers() {
  sub_pid=
  [[ $2 =~ ^publish([0-9]+)$ ]] || return 0
  local n=${BASH_REMATCH[1]} fifo="$work/subs-$1.fifo"
  rm -f "$fifo"; mkfifo "$fifo"
  "$work/bin/subscribers" -addr "127.0.0.1:$1" -n "$n" -channel "bench:$n" >"$fifo" &
  sub_pid=$!
  pids+=("$sub_pid")
  read -r _ <"$fifo"   # "ready"
}

# rps_test PORT TEST PIPELINE -> requests per second of a -t test or a custom
# one.
rps_test() {
  local cmd
  local -; set -f # XADD's "*" is no glob
  if ! cmd=$(custom "$2"); then
    rps "$@"
    return
  fi
  local keys=(-r "${KEYS:-100000}")
  [[ ${KEYS:-100000} == 0 ]] && keys=()
  if [[ $cmd == *__rand_dec__* || $cmd == *" ; "* ]]; then
    # shellcheck disable=SC2086 # the command line is split into its words
    "$work/bin/randload" -addr "127.0.0.1:$1" -n "${N:-100000}" -c "${CLIENTS:-50}" -P "$3" -r 8388608 $cmd |
      awk '/requests per second/ {for (i=1;i<=NF;i++) if ($i=="requests") print $(i-1)}'
    return
  fi
  # shellcheck disable=SC2086 # the command line is split into its words
  redis-benchmark -p "$1" -n "${N:-100000}" -c "${CLIENTS:-50}" -P "$3" "${keys[@]}" ${BENCH_AUTH:-} --threads 1 -q $cmd 2>/dev/null |
    tr '\r' '\n' | awk '/requests per second/ {for (i=1;i<=NF;i++) if ($i=="requests") print $(i-1)}' | tail -1
}

# LATENCY: rps keeps redis-benchmark's whole output, which latency reads.
if [[ -n ${LATENCY:-} ]]; then
  rps() {
    local keys=(-r "${KEYS:-100000}")
    [[ ${KEYS:-100000} == 0 ]] && keys=()
    # shellcheck disable=SC2086 # BENCH_AUTH is "--user u -a pass" or empty
    redis-benchmark -p "$1" -t "$2" -n "${N:-100000}" -c "${CLIENTS:-50}" -P "$3" "${keys[@]}" ${BENCH_AUTH:-} -d 64 --threads 1 --precision 3 2>/dev/null |
      tr '\r' '\n' >"$work/latency-$1.out"
    awk '/throughput summary:/ {print $3}' "$work/latency-$1.out"
  }
fi
# latency PORT -> " p99 p99.9" of the last rps on PORT ("" without LATENCY).
latency() {
  [[ -n ${LATENCY:-} ]] || return 0
  local f=$work/latency-$1.out
  [[ -s $f ]] || { echo " - -"; return; }
  awk '/^Latency by percentile/ {d = 1; next} d && !NF {d = 0}
    d && $1 + 0 >= 99.9 && q == "" {q = $3} /p50 +p95 +p99/ {getline; p = $5}
    END {print " " p, q}' "$f"
  rm -f "$f"
}

# The scripts of the evalsha_* tests, loaded on both servers.
lua_get="return redis.call('get', KEYS[1])"
lua_incr="redis.call('incr', KEYS[1]) return redis.call('expire', KEYS[1], 100)"
sha1() { printf '%s' "$1" | sha1sum | cut -d' ' -f1; }

head -c 1048576 /dev/urandom >"$work/bitmap1m.bin"
zset1000=()
hash1000=()
for i in $(seq 0 999); do zset1000+=("$i" "m$i"); hash1000+=("field:$i" "value-$((i * 7919))"); done
for i in $(seq 0 2700); do echo "line $i of a string that compresses"; done >"$work/str100k"
for port in "$rport" "$pport"; do
  redis-cli -p "$port" sadd myset10 m0 m1 m2 m3 m4 m5 m6 m7 m8 m9 >/dev/null
  redis-cli -p "$port" zadd myzset1000 "${zset1000[@]}" >/dev/null
  redis-cli -p "$port" zadd myzset10 0 m0 1 m1 2 m2 3 m3 4 m4 5 m5 6 m6 7 m7 8 m8 9 m9 >/dev/null
  redis-cli -p "$port" hset myhash1000 "${hash1000[@]}" >/dev/null
  redis-cli -p "$port" set mystr5 hello >/dev/null
  redis-cli -p "$port" -x set mystr100k <"$work/str100k" >/dev/null
  redis-cli -p "$port" script load "$lua_get" >/dev/null
  redis-cli -p "$port" script load "$lua_incr" >/dev/null
  redis-cli -p "$port" setbit bitmap1m 8388607 0 >/dev/null
  redis-cli -p "$port" -x set bitmap1mfull <"$work/bitmap1m.bin" >/dev/null
  for i in $(seq 0 99); do
    n=$(( (i * 37) % 100 ))
    echo "RPUSH mylist100 $n"
    echo "SET w_$n $(( (n * 53) % 100 ))"
    echo "HSET h_$n f v$n"
  done | redis-cli -p "$port" >/dev/null
  if [[ -n ${MAXMEMORY:-} ]]; then
    redis-cli -p "$port" config set maxmemory "$MAXMEMORY" maxmemory-policy "${POLICY:-allkeys-lru}" >/dev/null
  fi
  # myhll10k, myhll10k2: dense HLLs of 10,000 elements on both servers.
  if [[ $TESTS == *pf* ]]; then
    for i in $(seq 0 99); do
      echo "PFADD myhll10k $(seq -s ' ' $((i * 100)) $((i * 100 + 99)))"
      echo "PFADD myhll10k2 $(seq -s ' x' $((i * 100)) $((i * 100 + 99)))"
    done | redis-cli -p "$port" >/dev/null
  fi
  # mystream10k: entries 1-0 ... 10000-0 on both servers.
  if [[ $TESTS == *xrange* ]]; then
    for i in $(seq 1 10000); do echo "XADD mystream10k $i-0 field value:$i"; done | redis-cli -p "$port" >/dev/null
  fi
  # geo10k: the same 10,000 points on both servers.
  if [[ $TESTS == *geo* ]]; then
    awk 'BEGIN { srand(1); for (i = 0; i < 10000; i++)
      printf "GEOADD geo10k %.6f %.6f m%d\n", 13 + rand(), 38 + rand(), i }' | redis-cli -p "$port" >/dev/null
  fi
  if [[ -n ${NOTIFY:-} ]]; then
    redis-cli -p "$port" config set notify-keyspace-events "$NOTIFY" >/dev/null
    redis-cli -p "$port" psubscribe '__key*__:*' >/dev/null &
    pids+=($!)
  fi
done
[[ -n ${MAXMEMORY:-} ]] && echo "maxmemory $MAXMEMORY, maxmemory-policy ${POLICY:-allkeys-lru} on both servers"
[[ -n ${NOTIFY:-} ]] && echo "notify-keyspace-events $NOTIFY, one subscriber to __key*__:* on each server"
if [[ -n ${ACLUSER:-} ]]; then
  for port in "$rport" "$pport"; do
    redis-cli -p "$port" acl setuser bench on '>benchpw' '~key:*' '~counter:*' '~my*' '~w_*' '~h_*' '&*' '+@all' >/dev/null
  done
  export BENCH_AUTH="--user bench -a benchpw"
  echo "as ACL user bench: ~key:* ~counter:* ~my* ~w_* ~h_* &* +@all"
fi

# The cpu columns are each server's CPU seconds (user+system) per million
# requests of the run; cpu-ratio is redpool's over Redis's (below 1 is
# cheaper). On a shared machine they vary less than the throughputs.
# ROUNDS=n repeats every case n times, alternating the two servers.
echo "clients ${CLIENTS:-50}, N=${N:-100000}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %-4s %12s %12s %7s %9s %9s %9s' test P redis redpool ratio redis-cpu pool-cpu cpu-ratio
[[ -n ${LATENCY:-} ]] && printf ' %9s %9s %9s %9s' redis-p99 redis-p999 pool-p99 pool-p999
echo
for p in $PIPES; do
  for t in ${TESTS//,/ }; do
    for _ in $(seq 1 "${ROUNDS:-1}"); do
      subscribers "$rport" "$t"
      c0=$(cpu_ticks "$rpid")
      r=$(rps_test "$rport" "$t" "$p")
      rc=$(cpu_per_m $(($(cpu_ticks "$rpid") - c0)))
      rl=$(latency "$rport")
      [[ -n $sub_pid ]] && stop_pid "$sub_pid"
      subscribers "$pport" "$t"
      c0=$(cpu_ticks "$ppid")
      m=$(rps_test "$pport" "$t" "$p")
      mc=$(cpu_per_m $(($(cpu_ticks "$ppid") - c0)))
      ml=$(latency "$pport")
      [[ -n $sub_pid ]] && stop_pid "$sub_pid"
      printf '%-9s %-4s %12s %12s %7s %9s %9s %9s' "$t" "$p" "$r" "$m" "$(ratio "$m" "$r")" "$rc" "$mc" "$(ratio "$mc" "$rc")"
      # shellcheck disable=SC2086 # " p99 p99.9" of each, or empty
      [[ -n ${LATENCY:-} ]] && printf ' %9s %9s %9s %9s' $rl $ml
      echo
    done
  done
done
