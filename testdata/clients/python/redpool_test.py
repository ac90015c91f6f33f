"""End-to-end test of redpool with redis-py, run by
cmd/redpool/server/clients_test.go. REDPOOL_ADDR is the server's host:port.
redis-py 5 and later speak RESP3 (protocol=3); older ones (Debian 12's
python3-redis 4.3) only RESP2, which is then what is tested. Prints the
protocol used; exits non-zero on the first failure."""

import os
import sys

import redis

host, port = os.environ.get("REDPOOL_ADDR", "127.0.0.1:6379").rsplit(":", 1)
proto = 3 if int(redis.__version__.split(".")[0]) >= 5 else 2
kwargs = {"protocol": 3} if proto == 3 else {}
c = redis.Redis(host=host, port=int(port), decode_responses=True, **kwargs)


def check(got, want, what):
    if got != want:
        sys.exit(f"{what}: got {got!r}, want {want!r}")


check(c.ping(), True, "PING")
check(c.set("py:k", "v"), True, "SET")
check(c.get("py:k"), "v", "GET")
check(c.get("py:missing"), None, "GET missing")
check(c.mget("py:k", "py:missing"), ["v", None], "MGET")
check(c.incr("py:n"), 1, "INCR")
check(c.incrbyfloat("py:f", 1.5), 1.5, "INCRBYFLOAT")
try:
    c.incr("py:k")
    sys.exit("INCR on a string did not fail")
except redis.ResponseError as e:
    check(str(e), "value is not an integer or out of range", "INCR error")
check(c.hset("py:h", mapping={"a": "1", "b": "2"}), 2, "HSET")
check(c.hgetall("py:h"), {"a": "1", "b": "2"}, "HGETALL")
check(c.hgetall("py:nohash"), {}, "HGETALL missing")
check(c.hmget("py:h", "a", "zz"), ["1", None], "HMGET")
check(c.rpush("py:l", "a", "b", "c"), 3, "RPUSH")
check(c.lrange("py:l", 0, -1), ["a", "b", "c"], "LRANGE")
check(c.lpop("py:nolist", 2), None, "LPOP missing with count")
check(c.blpop(["py:nolist"], 0.01), None, "BLPOP timeout")
check(c.expire("py:k", 100), True, "EXPIRE")
check(c.ttl("py:k"), 100, "TTL")
check(c.config_get("maxclients"), {"maxclients": "10000"}, "CONFIG GET")
check(c.info("server")["redis_version"], "7.0.15", "INFO")
check(c.client_info()["resp"].strip(), str(proto), "CLIENT INFO resp")
cursor, keys = c.scan(0, match="py:*", count=100)
check((cursor, sorted(keys)), (0, ["py:f", "py:h", "py:k", "py:l", "py:n"]), "SCAN")
# Transactions: pipeline(transaction=True) is MULTI ... EXEC.
with c.pipeline(transaction=True) as p:
    p.set("py:m", "1").incr("py:m").get("py:m")
    check(p.execute(), [True, 2, "2"], "MULTI/EXEC")
with c.pipeline(transaction=True) as p:
    p.set("py:s", "x").lpush("py:s", "1").get("py:s")
    got = p.execute(raise_on_error=False)
    check((got[0], got[2]), (True, "x"), "MULTI/EXEC with a runtime error")
    check(str(got[1]), "WRONGTYPE Operation against a key holding the wrong kind of value", "runtime error in place")
with c.pipeline(transaction=True) as p:
    p.execute_command("NOSUCHCOMMAND").incr("py:m")
    try:
        p.execute()
        sys.exit("EXEC after a refused command did not fail")
    except redis.ResponseError as e:
        check(str(e).startswith("Command # 1 (NOSUCHCOMMAND) of pipeline caused error: unknown command 'NOSUCHCOMMAND'"), True, f"EXECABORT ({e})")
check(c.get("py:m"), "2", "aborted transaction changed nothing")
# WATCH: another client's write makes execute() raise WatchError.
c.set("py:w", "1")
with c.pipeline() as p:
    p.watch("py:w")
    c.set("py:w", "2")
    p.multi()
    p.incr("py:w")
    try:
        p.execute()
        sys.exit("EXEC after a watched key changed did not fail")
    except redis.WatchError:
        pass
with c.pipeline() as p:
    p.watch("py:w")
    n = int(p.get("py:w"))
    p.multi()
    p.set("py:w", n + 1)
    check(p.execute(), [True], "WATCH, GET, MULTI, SET, EXEC")
check(c.get("py:w"), "3", "optimistic increment")

# Pub/Sub: pubsub() holds a connection in subscribed mode.
def next_message(ps, what):
    msg = ps.get_message(ignore_subscribe_messages=True, timeout=5)
    if msg is None:
        sys.exit(f"{what}: no message within 5s")
    return msg


ps = c.pubsub()
ps.subscribe("py:ch")
check(ps.get_message(timeout=5), {"type": "subscribe", "pattern": None, "channel": "py:ch", "data": 1}, "SUBSCRIBE")
check(c.publish("py:ch", "hello"), 1, "PUBLISH")
check(next_message(ps, "message"), {"type": "message", "pattern": None, "channel": "py:ch", "data": "hello"}, "message")
ps.psubscribe("py:p*")
check(ps.get_message(timeout=5)["type"], "psubscribe", "PSUBSCRIBE")
check(c.publish("py:pattern", "by pattern"), 1, "PUBLISH to a pattern")
check(next_message(ps, "pmessage"), {"type": "pmessage", "pattern": "py:p*", "channel": "py:pattern", "data": "by pattern"}, "pmessage")
check(c.pubsub_numsub("py:ch"), [("py:ch", 1)], "PUBSUB NUMSUB")
check(c.pubsub_numpat(), 1, "PUBSUB NUMPAT")
ps.unsubscribe()
ps.punsubscribe()
check(ps.get_message(timeout=5)["type"], "unsubscribe", "UNSUBSCRIBE")
check(ps.get_message(timeout=5)["type"], "punsubscribe", "PUNSUBSCRIBE")
ps.close()
check(c.publish("py:ch", "nobody"), 0, "PUBLISH after UNSUBSCRIBE")

print(f"python redis {redis.__version__} ok (RESP{proto})")
