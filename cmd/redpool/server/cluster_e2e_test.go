package server_test

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redpool/backend"
	"redpool/cmd/redpool/server/servertest"
)

// clusterE2EIDs are the node ids of the end-to-end cluster.
var clusterE2EIDs = [4]string{
	"1111111111111111111111111111111111111111",
	"2222222222222222222222222222222222222222",
	"3333333333333333333333333333333333333333",
	"4444444444444444444444444444444444444444",
}

// clusterStartThree starts three primaries (slots split in three, as
// redis-cli --cluster create does) and a replica of the first, all with
// the same [cluster] but for myself. It returns their addresses.
func clusterStartThree(t *testing.T, b servertest.Backend) [4]string {
	t.Helper()
	var ports [4]int
	var addrs [4]string
	for i := range ports {
		ports[i] = servertest.FreePort(t)
		addrs[i] = "127.0.0.1:" + strconv.Itoa(ports[i])
	}
	nodes := [][3]string{
		{clusterE2EIDs[0], addrs[0], "0-5460"},
		{clusterE2EIDs[1], addrs[1], "5461-10922"},
		{clusterE2EIDs[2], addrs[2], "10923-16383"},
		{clusterE2EIDs[3], addrs[3], "replica_of=" + clusterE2EIDs[0]},
	}
	for i := range ports {
		clusterStartNode(t, b, ports[i], clusterConfig(clusterE2EIDs[i], nodes...))
	}
	return addrs
}

// TestClusterE2E runs go-redis's ClusterClient and redis-cli -c against
// three redpool nodes and a replica: keys land on the node of their
// slot, hash tags keep MGET on one node, READONLY reads go to the
// replica, which replicates its primary by the slot map alone.
func TestClusterE2E(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		addrs := clusterStartThree(t, b)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addrs[1]}, MaxRedirects: 3})
		defer cc.Close()
		const n = 300
		for i := range n {
			k := "key:" + strconv.Itoa(i)
			if err := cc.Set(ctx, k, "v"+strconv.Itoa(i), 0).Err(); err != nil {
				t.Fatalf("SET %s: %v", k, err)
			}
		}
		for i := range n {
			k := "key:" + strconv.Itoa(i)
			if v, err := cc.Get(ctx, k).Result(); err != nil || v != "v"+strconv.Itoa(i) {
				t.Fatalf("GET %s = %q, %v", k, v, err)
			}
		}
		// Each node holds exactly the keys of its slots.
		total := 0
		for i, addr := range addrs[:3] {
			c := servertest.Dial(t, addr)
			size, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(c.Do("DBSIZE"), ":")))
			total += size
			lo, hi := [3]int{0, 5461, 10923}[i], [3]int{5460, 10922, 16383}[i]
			for j := range n {
				k := "key:" + strconv.Itoa(j)
				s := backend.KeySlot([]byte(k))
				want := "$" + strconv.Itoa(len("v"+strconv.Itoa(j))) + "\r\nv" + strconv.Itoa(j) + "\r\n"
				if s < lo || s > hi {
					want = fmt.Sprintf("-MOVED %d ", s)
				}
				if got := c.Do("GET", k); !strings.HasPrefix(got, want) {
					t.Fatalf("node %d: GET %s (slot %d) = %q, want %q...", i, k, s, got, want)
				}
			}
		}
		if total != n {
			t.Fatalf("%d keys on the three nodes, want %d", total, n)
		}
		// Hash tags keep a multi-key command on one node.
		if err := cc.MSet(ctx, "{user1}:a", "1", "{user1}:b", "2").Err(); err != nil {
			t.Fatalf("MSET: %v", err)
		}
		if vs, err := cc.MGet(ctx, "{user1}:a", "{user1}:b", "{user1}:c").Result(); err != nil || fmt.Sprint(vs) != "[1 2 <nil>]" {
			t.Fatalf("MGET = %v, %v", vs, err)
		}
		if err := cc.MGet(ctx, "{user1}:a", "{user2}:a").Err(); err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
			t.Fatalf("MGET across slots: %v", err)
		}
		// The replica follows node 0 and serves its slots after READONLY.
		k0, _ := clusterKeyIn("r", 0, 5460)
		if err := cc.Set(ctx, k0, "replicated", 0).Err(); err != nil {
			t.Fatal(err)
		}
		rc := servertest.Dial(t, addrs[3])
		if got := rc.Do("GET", k0); !strings.HasPrefix(got, "-MOVED ") || !strings.HasSuffix(got, addrs[0]+"\r\n") {
			t.Fatalf("GET on the replica without READONLY = %q", got)
		}
		rc.Expect("+OK\r\n", "READONLY")
		clusterWaitFor(t, rc, "GET", k0, func(r string) bool { return r == "$10\r\nreplicated\r\n" })
		if got := rc.Do("SET", k0, "x"); !strings.HasPrefix(got, "-MOVED ") {
			t.Fatalf("SET on the replica = %q, want MOVED to its primary", got)
		}
		rcc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addrs[3]}, ReadOnly: true})
		defer rcc.Close()
		if v, err := rcc.Get(ctx, k0).Result(); err != nil || v != "replicated" {
			t.Fatalf("GET through a ReadOnly ClusterClient = %q, %v", v, err)
		}
	})
}

// TestClusterRedisCLI: redis-cli -c follows -MOVED.
func TestClusterRedisCLI(t *testing.T) {
	cli := servertest.LookTool(t, "redis-cli", "redis-tools", "CLUSTER redis-cli TEST")
	b := servertest.Backends()[0]
	addrs := clusterStartThree(t, b)
	key, slot := clusterKeyIn("cli", 10923, 16383) // on node 2
	port := strings.TrimPrefix(addrs[0], "127.0.0.1:")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(cli, append([]string{"-c", "-p", port}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if out := run("SET", key, "hello"); out != "OK" {
		t.Fatalf("redis-cli -c SET = %q", out)
	}
	if out := run("GET", key); out != "hello" {
		t.Fatalf("redis-cli -c GET = %q", out)
	}
	if got := servertest.Dial(t, addrs[2]).Do("GET", key); got != "$5\r\nhello\r\n" {
		t.Fatalf("node 2 holds %q for %s (slot %d)", got, key, slot)
	}
	out, err := exec.Command(cli, "-p", port, "GET", key).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "MOVED "+strconv.Itoa(slot)+" "+addrs[2]) {
		t.Fatalf("redis-cli without -c: %q, %v", out, err)
	}
}
