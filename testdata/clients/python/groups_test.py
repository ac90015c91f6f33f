"""End-to-end consumer-group job loop with redis-py, run by
cmd/redpool/server/clients_test.go (TestPythonGroups). REDPOOL_ADDR is the
server's host:port. A producer adds jobs; three consumers read them with
XREADGROUP (BLOCK), acknowledge them, one of them dies with jobs pending,
and another takes those over with XAUTOCLAIM. Every job must be done
exactly once, and the group's state must say so. Exits non-zero on the
first failure; prints "groups ok" at the end."""

import os
import sys
import threading

import redis

host, port = os.environ.get("REDPOOL_ADDR", "127.0.0.1:6379").rsplit(":", 1)


def conn():
    return redis.Redis(host=host, port=int(port), decode_responses=True)


def check(got, want, what):
    if got != want:
        sys.exit(f"{what}: got {got!r}, want {want!r}")


c = conn()
c.delete("py:jobs")
check(c.xgroup_create("py:jobs", "workers", id="$", mkstream=True), True, "XGROUP CREATE")
for i in range(60):
    c.xadd("py:jobs", {"job": str(i)}, id=f"{i + 1}-1")

done = []
lock = threading.Lock()


def worker(name, die_after=None):
    r = conn()
    handled = 0
    while True:
        got = r.xreadgroup("workers", name, {"py:jobs": ">"}, count=5, block=100)
        if not got:
            return
        for _stream, entries in got:
            for entry_id, fields in entries:
                if die_after is not None and handled >= die_after:
                    return  # dies with this job (and the rest of the batch) pending
                with lock:
                    done.append(fields["job"])
                r.xack("py:jobs", "workers", entry_id)
                handled += 1


threads = [threading.Thread(target=worker, args=(f"w{i}", 7 if i == 0 else None)) for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()

summary = c.xpending("py:jobs", "workers")
pending = summary["pending"]
if pending == 0:
    sys.exit("the dying worker left nothing pending")
check(summary["consumers"][0]["name"], "w0", "XPENDING consumer")

# A survivor takes over what w0 left, then does it.
cursor, claimed = "0-0", []
while True:
    # redis-py parses the reply: [cursor, [(id, {field: value})], (deleted ids, with 5.x)]
    reply = c.xautoclaim("py:jobs", "workers", "w1", 0, cursor, count=2)
    cursor, entries = reply[0], reply[1]
    if len(reply) > 2:
        check(reply[2], [], "XAUTOCLAIM deleted")
    for entry_id, fields in entries:
        claimed.append(entry_id)
        done.append(fields["job"])
        c.xack("py:jobs", "workers", entry_id)
    if cursor == "0-0":
        break
check(len(claimed), pending, "claimed what was pending")
check(sorted(done, key=int), [str(i) for i in range(60)], "every job done once")

info = c.xinfo_groups("py:jobs")[0]
check((info["name"], info["pending"], info["last-delivered-id"]), ("workers", 0, "60-1"), "XINFO GROUPS")
check((info.get("entries-read"), info.get("lag")), (60, 0), "entries-read and lag")
consumers = {x["name"]: x["pending"] for x in c.xinfo_consumers("py:jobs", "workers")}
# w2 is there only if it read a job before w0 and w1 had taken them all
# (a consumer is made by its first read that gets something, as in Redis).
check(consumers.pop("w2", 0), 0, "XINFO CONSUMERS w2")
check(consumers, {"w0": 0, "w1": 0}, "XINFO CONSUMERS")

# A blocked reader is woken by a producer on another connection.
result = []
reader = threading.Thread(target=lambda: result.append(conn().xreadgroup("workers", "w2", {"py:jobs": ">"}, block=0)))
reader.start()
while int(c.info("clients")["blocked_clients"]) == 0:
    pass
c.xadd("py:jobs", {"job": "late"}, id="61-1")
reader.join(10)
check(result, [[["py:jobs", [("61-1", {"job": "late"})]]]], "blocked XREADGROUP woken by XADD")
check(c.xack("py:jobs", "workers", "61-1"), 1, "XACK")
print("groups ok")
