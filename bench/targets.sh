#!/usr/bin/env bash
# The scorecard of issue 22's six targets: runs each target's measurement
# side by side with a real redis-server (the bench scripts below, which
# alternate the two servers), takes the medians of ROUNDS rounds, and
# prints one Markdown table: target, case, redpool's figure, Redis's,
# ratio (always redpool's figure over Redis's), and whether the target is
# met. What each sub-script printed goes to $OUT (kept; its path is
# printed), to read the rounds behind a median.
#
#   bench/targets.sh                      # all six targets, 3 rounds (about 30 minutes)
#   TARGETS=1,2,5 bench/targets.sh        # some of them
#   QUICK=1 bench/targets.sh              # a smoke test: small N, 1 round, small files
#   ROUNDS=5 N=300000 bench/targets.sh    # more rounds, longer runs
#   REPORT=/tmp/targets.abc123 TARGETS=1,2,3 bench/targets.sh  # the table again from a run's files
#
# The targets and where their figures come from:
#   1 throughput  bench/compare.sh (SET, GET, INCR; TESTS=... for others) at
#                 -P 1 and -P 16 with CLIENTS_LIST (default "50 500")
#                 clients; met: ratio >= 1.
#   2 latency     the same runs (compare.sh's LATENCY=1): p99 and p99.9 of
#                 SET and GET at -P 1; met: ratio <= 1.
#   3 CPU         the same runs: each server's CPU seconds (user+system)
#                 per million requests of GET, SET and INCR; met: ratio <= 1.
#   4 memory      bench/keysmem.sh, if there is one: its output is printed
#                 after the table as it is.
#   5 durable     bench/aof.sh (AOF at always, everysec, no against Redis
#                 with the same appendfsync) and bench/boltwal.sh (bolt
#                 sync = "always" against appendfsync always), random-key
#                 SET at -c 50; met: ratio >= 1.
#   6 startup     bench/startup.sh: seconds from the start to the first PONG
#                 loading 1,000,000 keys from a snapshot or an AOF against
#                 Redis's RDB or AOF of the same data (met: ratio <= 1),
#                 and a bolt server opening a 10 GB file (met: under 1 s).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

TARGETS=${TARGETS:-1,2,3,4,5,6}
if [[ -n ${QUICK:-} ]]; then
  ROUNDS=${ROUNDS:-1} N=${N:-10000}
  STARTUP_KEYS=${STARTUP_KEYS:-100000} BOLT_BYTES=${BOLT_BYTES:-200000000}
else
  ROUNDS=${ROUNDS:-3} N=${N:-100000}
  STARTUP_KEYS=${STARTUP_KEYS:-1000000} BOLT_BYTES=${BOLT_BYTES:-10000000000}
fi
CLIENTS_LIST=${CLIENTS_LIST:-"50 500"}
TESTS=${TESTS:-set,get,incr}
OUT=${REPORT:-${OUT:-$(mktemp -d /tmp/targets.XXXXXX)}}
mkdir -p "$OUT"

want() { [[ ,$TARGETS, == *,$1,* ]]; }
# measure is false when the table is to be made from REPORT's files
# (a command after "measure ||" runs only when measuring).
measure() { [[ -n ${REPORT:-} ]]; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "-"}'; }
# met RATIO OP LIMIT -> "met" or "not met" (OP is >= or <=).
met() {
  awk -v r="$1" -v op="$2" -v l="$3" 'BEGIN {
    if (r == "-" || r == "n/a") { print "-"; exit }
    ok = (op == ">=") ? (r + 0 >= l) : (r + 0 <= l); print ok ? "met" : "not met" }'
}
rows=()
row() { rows+=("$(printf '| %s | %s | %s | %s | %s | %s |' "$@")"); }
# col FILE TEST P FIELD -> the median of column FIELD of compare.sh's rows
# for TEST at pipeline P.
col() { awk -v t="$2" -v p="$3" -v f="$4" '$1 == t && $2 == p {print $f}' "$1" | median; }
TEST_NAME() { tr '[:lower:]' '[:upper:]' <<<"$1"; }

echo "targets $TARGETS, $ROUNDS rounds, N=$N, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); raw output in $OUT" >&2

# Targets 1, 2 and 3: one compare.sh run per client count, LATENCY=1.
if want 1 || want 2 || want 3; then
  for c in $CLIENTS_LIST; do
    echo "compare.sh -c $c ..." >&2
    measure || CLIENTS=$c LATENCY=1 ROUNDS=$ROUNDS N=$N TESTS=$TESTS PIPES="1 16" bench/compare.sh >"$OUT/compare-c$c.txt"
  done
  for c in $CLIENTS_LIST; do
    f=$OUT/compare-c$c.txt
    if want 1; then
      for p in 1 16; do
        for t in ${TESTS//,/ }; do
          q=$(col "$f" "$t" "$p" 5)
          row 1 "$(TEST_NAME "$t") -c $c -P $p, requests/s" "$(col "$f" "$t" "$p" 4)" "$(col "$f" "$t" "$p" 3)" "$q" "$(met "$q" '>=' 1)"
        done
      done
    fi
  done
  if want 2; then
    for c in $CLIENTS_LIST; do
      f=$OUT/compare-c$c.txt
      for t in set get; do
        [[ ,$TESTS, == *,$t,* ]] || continue
        # columns: redis-p99 9, redis-p999 10, pool-p99 11, pool-p999 12
        for pc in "p99 9 11" "p99.9 10 12"; do
          read -r name rcol mcol <<<"$pc"
          q=$(awk -v t="$t" -v rc="$rcol" -v mc="$mcol" '$1 == t && $2 == 1 && $rc > 0 {printf "%.2f\n", $mc / $rc}' "$f" | median)
          row 2 "$(TEST_NAME "$t") -c $c -P 1, $name ms" "$(col "$f" "$t" 1 "$mcol")" "$(col "$f" "$t" 1 "$rcol")" "$q" "$(met "$q" '<=' 1)"
        done
      done
    done
  fi
  if want 3; then
    for c in $CLIENTS_LIST; do
      f=$OUT/compare-c$c.txt
      for p in 1 16; do
        for t in ${TESTS//,/ }; do
          q=$(col "$f" "$t" "$p" 8)
          row 3 "$(TEST_NAME "$t") -c $c -P $p, CPU s per 10^6 requests" "$(col "$f" "$t" "$p" 7)" "$(col "$f" "$t" "$p" 6)" "$q" "$(met "$q" '<=' 1)"
        done
      done
    done
  fi
fi

# Target 4: bench/keysmem.sh, printed after the table.
if want 4; then
  if [[ -x bench/keysmem.sh ]]; then
    echo "keysmem.sh ..." >&2
    measure || env ${QUICK:+QUICK=1} bench/keysmem.sh >"$OUT/keysmem.txt" 2>&1 || echo "bench/keysmem.sh failed (see $OUT/keysmem.txt)" >&2
    row 4 "memory: bench/keysmem.sh, below the table" - - - -
  else
    row 4 "memory: no bench/keysmem.sh in this tree" - - - -
  fi
fi

# Target 5: aof.sh (one row a round and policy), boltwal.sh (one a round).
if want 5; then
  echo "aof.sh, boltwal.sh ..." >&2
  measure || N=$N ROUNDS=$ROUNDS CLIENTS=50 bench/aof.sh >"$OUT/aof.txt"
  for policy in always everysec no; do
    f=$OUT/aof.txt
    q=$(awk -v p="$policy" '$1 == p {print $4}' "$f" | median)
    row 5 "AOF appendfsync $policy, SET -c 50, requests/s" \
      "$(awk -v p="$policy" '$1 == p {print $3}' "$f" | median)" "$(awk -v p="$policy" '$1 == p {print $2}' "$f" | median)" "$q" "$(met "$q" '>=' 1)"
  done
  measure || N=$((N * 2)) ROUNDS=$ROUNDS CLIENTS=50 bench/boltwal.sh >"$OUT/boltwal.txt"
  f=$OUT/boltwal.txt
  q=$(awk '$1 ~ /^[0-9]+$/ {print $4}' "$f" | median)
  row 5 "bolt sync always vs appendfsync always, SET -c 50 -r 1000000, requests/s" \
    "$(awk '$1 ~ /^[0-9]+$/ {print $3}' "$f" | median)" "$(awk '$1 ~ /^[0-9]+$/ {print $2}' "$f" | median)" "$q" "$(met "$q" '>=' 1)"
fi

# Target 6: startup.sh's median lines "startup CASE pool-s redis-s ratio pool-cpu redis-cpu".
if want 6; then
  echo "startup.sh ..." >&2
  measure || KEYS=$STARTUP_KEYS BOLT_BYTES=$BOLT_BYTES ROUNDS=$ROUNDS bench/startup.sh >"$OUT/startup.txt"
  while read -r _ c a b q ac bc; do
    case $c in
      snapshot) row 6 "load a $STARTUP_KEYS-key snapshot (Redis: RDB), s to PONG" "$a" "$b" "$q" "$(met "$q" '<=' 1)"
        row 6 "... its CPU s" "$ac" "$bc" "$(ratio "$ac" "$bc")" - ;;
      aof) row 6 "load a $STARTUP_KEYS-key AOF (Redis: AOF, no RDB preamble), s to PONG" "$a" "$b" "$q" "$(met "$q" '<=' 1)"
        row 6 "... its CPU s" "$ac" "$bc" "$(ratio "$ac" "$bc")" - ;;
      bolt) row 6 "open a $BOLT_BYTES-byte bolt file, s to PONG (target: < 1 s)" "$a" - - "$(met "$a" '<=' 1)" ;;
    esac
  done < <(grep '^startup ' "$OUT/startup.txt")
fi

echo
if measure; then
  echo "From the files in $OUT, medians of $ROUNDS rounds."
else
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), medians of $ROUNDS rounds${QUICK:+ (QUICK)}."
fi
echo "Each figure is its column's median; ratio (redpool / Redis) is the median of the rounds' ratios, each from one run."
echo
echo "| target | case | redpool | Redis | ratio | |"
echo "| --- | --- | ---: | ---: | ---: | --- |"
printf '%s\n' "${rows[@]}"
if want 4 && [[ -s $OUT/keysmem.txt ]]; then
  echo
  echo "bench/keysmem.sh:"
  echo
  cat "$OUT/keysmem.txt"
fi
