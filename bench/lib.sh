# Shared helpers for the bench scripts; source it, do not run it.
# After `bench_init`, $work is a temp dir removed at exit with every server
# started through start_redis / start_redpool.

bench_init() {
  for bin in redis-server redis-benchmark redis-cli; do
    command -v "$bin" >/dev/null || { echo "$bin not found: apt-get install -y redis-server redis-tools" >&2; exit 1; }
  done
  work=$(mktemp -d)
  pids=()
  trap bench_cleanup EXIT INT TERM
  mkdir -p "$work/bin"
  go build -o "$work/bin/redpool" ./cmd/redpool
}

bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_port() {
  for _ in $(seq 1 400); do
    redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start; logs:" >&2
  tail -n 5 "$work"/*.log >&2 || true
  exit 1
}

# start_redis PORT [redis-server args...]
start_redis() {
  local port=$1; shift
  mkdir -p "$work/redis-$port"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis-$port" \
    --logfile "$work/redis-$port.log" "$@" &
  pids+=($!)
  wait_port "$port"
}

# start_redpool PORT NAME [extra TOML lines...]; the server's pid goes in $last_pid.
start_redpool() {
  local port=$1 name=$2; shift 2
  {
    echo "port = $port"
    echo "dir = \"$work/$name\""
    echo 'log_level = "warn"'
    printf '%s\n' "$@"
  } > "$work/$name.toml"
  "$work/bin/redpool" -config "$work/$name.toml" 2>"$work/$name.log" &
  last_pid=$!
  pids+=($last_pid)
  wait_port "$port"
}

stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# rps PORT TEST PIPELINE -> requests per second of one redis-benchmark case.
# KEYS sets the random keyspace (-r; default 100000); KEYS=0 leaves -r out,
# so that every request uses redis-benchmark's one fixed key.
rps() {
  local keys=(-r "${KEYS:-100000}")
  [[ ${KEYS:-100000} == 0 ]] && keys=()
  # shellcheck disable=SC2086 # BENCH_AUTH is "--user u -a pass" or empty
  redis-benchmark -p "$1" -t "$2" -n "${N:-100000}" -c "${CLIENTS:-50}" -P "$3" "${keys[@]}" ${BENCH_AUTH:-} -d 64 --threads 1 -q 2>/dev/null |
    tr '\r' '\n' | awk '/requests per second/ {for (i=1;i<=NF;i++) if ($i=="requests") print $(i-1)}' | tail -1
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "n/a" }'; }
