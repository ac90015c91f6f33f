#!/bin/sh
# Regenerates the golden RDB files with a real redis-server 7.0:
#   all.rdb     every type and encoding redpool stores, expiry times, three
#               databases, a function library
#   strings.rdb only strings (with expiry times, in three databases) and
#               the function library
#   stream.rdb  all.rdb plus a stream
#   streams.rdb only streams: several nodes, deleted entries, groups,
#               consumers, pending entries, an empty stream, an expiry
# Usage: sh gen.sh (from this directory; needs redis-server and redis-cli).
set -eu
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
port=$((20000 + $$ % 10000))
trap 'redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
redis-server --port $port --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
	--daemonize yes --logfile "$work/redis.log" --pidfile "$work/redis.pid"
until redis-cli -p $port ping >/dev/null 2>&1; do sleep 0.1; done
c() { redis-cli -p $port "$@" >/dev/null; }
c set s1 hello
c set s2 12345
c set s3 -7
c set s4 3000000000
c set emptystr ""
c function load "#!lua name=mylib
redis.register_function('myfunc', function(keys, args) return 1 end)"
c expire s1 100000000
c -n 3 set db3key v
c -n 3 set db3s w
c -n 3 expire db3s 500000000
c -n 15 set last 1
c save
cp "$work/dump.rdb" "$out/strings.rdb"
c set slong "$(printf 'a%.0s' $(seq 1 200))"
c rpush l1 a b c 1 2 -3 100000 9999999999
c lpush lbig $(seq 1 300)
c hset h1 f1 v1 f2 2
c hset hbig $(for i in $(seq 1 200); do echo f$i v$i; done)
c sadd si 1 2 3 -5
c sadd ss a b c
c sadd sbig $(seq 1 600)
c zadd z1 1 a 2.5 b -inf c inf d 0.1 e
c zadd zbig $(for i in $(seq 1 200); do echo $i.5 m$i; done)
c pexpireat l1 4102444800123
c -n 3 hset db3h a b
c -n 3 expire db3h 500000000
c save
cp "$work/dump.rdb" "$out/all.rdb"
c xadd st 1-1 a 1
c save
cp "$work/dump.rdb" "$out/stream.rdb"
# streams.rdb
c flushall
c function flush
for i in $(seq 1 250); do
	if [ $((i % 3)) = 0 ]; then c xadd sbig $i-0 other $i x y; else c xadd sbig $i-$((i % 2)) name n$i value $((i * 37)); fi
done
c xdel sbig 1-1 2-0 150-0 249-1
for i in $(seq 104 200); do c xdel sbig $i-$((i % 2)) $i-0; done
c xgroup create sbig g1 0
c xgroup create sbig g2 '$'
c xgroup create sbig g3 0 entriesread 2
c xreadgroup group g1 alice count 3 streams sbig '>'
c xreadgroup group g1 bob count 2 streams sbig '>'
c xreadgroup group g3 bob count 1 streams sbig '>'
c xgroup createconsumer sbig g1 carol
c xclaim sbig g1 carol 0 3-0 retrycount 7
c xdel sbig 3-0
c xadd ssmall 1-1 name ann age 41
c xadd ssmall 1-2 name bob age -7
c pexpireat ssmall 4102444800123
c xgroup create sempty g '$' mkstream
c -n 2 xadd sother MAXLEN 0 5-5 a b
c save
cp "$work/dump.rdb" "$out/streams.rdb"
