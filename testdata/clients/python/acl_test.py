"""End-to-end test of redpool's AUTH and ACL with redis-py, run by
cmd/redpool/server/acl_test.go: the server requires the password
"py-secret" for the default user and knows the user "pyuser" (password
"pypass", keys py:*, every command but FLUSHALL). REDPOOL_ADDR is the
server's host:port. Exits non-zero on the first failure."""

import os
import sys

import redis

host, port = os.environ.get("REDPOOL_ADDR", "127.0.0.1:6379").rsplit(":", 1)


def check(got, want, what):
    if got != want:
        sys.exit(f"{what}: got {got!r}, want {want!r}")


def client(**kw):
    return redis.Redis(host=host, port=int(port), decode_responses=True, **kw)


try:
    client().ping()
    sys.exit("PING without a password did not fail")
except redis.AuthenticationError as e:
    check(str(e), "Authentication required.", "NOAUTH")

try:
    client(username="pyuser", password="wrong").ping()
    sys.exit("a wrong password did not fail")
except redis.RedisError as e:  # redis-py 4.3 raises ResponseError, later AuthenticationError
    check(str(e).removeprefix("WRONGPASS "), "invalid username-password pair or user is disabled.", "WRONGPASS")

check(client(password="py-secret").acl_whoami(), "default", "AUTH password")

u = client(username="pyuser", password="pypass")
check(u.acl_whoami(), "pyuser", "AUTH username password")
check(u.set("py:k", "v"), True, "SET")
check(u.get("py:k"), "v", "GET")
for cmd, want in [
    (lambda: u.get("other"), "this user has no permissions to access one of the keys used as arguments"),
    (lambda: u.flushall(), "this user has no permissions to run the 'flushall' command"),
]:
    try:
        cmd()
        sys.exit(f"no NOPERM, want {want!r}")
    except redis.exceptions.NoPermissionError as e:
        check(str(e), want, "NOPERM")
print("redis-py acl ok")
