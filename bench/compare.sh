#!/usr/bin/env bash
# Runs the same redis-benchmark cases against a real redis-server and against
# redpool, one after the other on free loopback ports, and prints the
# requests per second of each with the ratio redpool/redis.
#
#   bench/compare.sh            # the default cases
#   N=200000 bench/compare.sh   # more requests per case
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-100000}
CLIENTS=${CLIENTS:-50}
TESTS=${TESTS:-set,get,incr}
PIPES=${PIPES:-"1 16"}

for bin in redis-server redis-benchmark redis-cli; do
  command -v "$bin" >/dev/null || { echo "$bin not found: apt-get install -y redis-server redis-tools" >&2; exit 1; }
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
  for _ in $(seq 1 200); do
    redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2; exit 1
}

go build -o "$work/redpool" ./cmd/redpool

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --logfile "$work/redis.log" &
pids+=($!)
pport=$(free_port)
cat > "$work/redpool.toml" <<TOML
port = $pport
dir = "$work/data"
log_level = "warn"
${REDPOOL_EXTRA_CONFIG:-}
TOML
"$work/redpool" -config "$work/redpool.toml" 2>"$work/redpool.log" &
pids+=($!)
wait_port "$rport"
wait_port "$pport"

# rps PORT TEST PIPELINE -> requests per second
rps() {
  redis-benchmark -p "$1" -t "$2" -n "$N" -c "$CLIENTS" -P "$3" -r 100000 -d 64 --threads 1 -q 2>/dev/null |
    tr '\r' '\n' | awk '/requests per second/ {for (i=1;i<=NF;i++) if ($i=="requests") print $(i-1)}' | tail -1
}

printf '%-6s %-4s %14s %14s %8s\n' test P redis redpool ratio
for p in $PIPES; do
  for t in ${TESTS//,/ }; do
    r=$(rps "$rport" "$t" "$p")
    m=$(rps "$pport" "$t" "$p")
    ratio=$(awk -v a="$m" -v b="$r" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "n/a" }')
    printf '%-6s %-4s %14s %14s %8s\n' "$t" "$p" "$r" "$m" "$ratio"
  done
done
