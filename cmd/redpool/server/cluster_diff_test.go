package server_test

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/memory"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// clusterRedisPair is two real Redis cluster nodes that know each other:
// a serves slots 0-8191, b 8192-16383.
type clusterRedisPair struct {
	a, b       *servertest.Redis
	aID, bID   string
	aConn      *servertest.Conn
	aPort, bPt int
}

// clusterStartRedisPair starts the pair and waits until both see a full
// cluster in state ok.
func clusterStartRedisPair(t *testing.T) *clusterRedisPair {
	t.Helper()
	args := []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "15000"}
	p := &clusterRedisPair{a: servertest.StartRedis(t, args...), b: servertest.StartRedis(t, args...)}
	ca, cb := servertest.Dial(t, p.a.Addr), servertest.Dial(t, p.b.Addr)
	p.aConn = ca
	p.aID, p.bID = clusterBulk(ca.Do("CLUSTER", "MYID")), clusterBulk(cb.Do("CLUSTER", "MYID"))
	_, ap, _ := net.SplitHostPort(p.a.Addr)
	host, bp, _ := net.SplitHostPort(p.b.Addr)
	p.aPort, _ = strconv.Atoi(ap)
	p.bPt, _ = strconv.Atoi(bp)
	ca.Expect("+OK\r\n", "CLUSTER", "MEET", host, bp)
	ca.Expect("+OK\r\n", "CLUSTER", "ADDSLOTSRANGE", "0", "8191")
	cb.Expect("+OK\r\n", "CLUSTER", "ADDSLOTSRANGE", "8192", "16383")
	for _, c := range []*servertest.Conn{ca, cb} {
		clusterWaitFor(t, c, "CLUSTER", "INFO", func(r string) bool {
			return strings.Contains(r, "cluster_state:ok") && strings.Contains(r, "cluster_known_nodes:2")
		})
		clusterWaitFor(t, c, "CLUSTER", "SLOTS", func(r string) bool { return strings.HasPrefix(r, "*2\r\n") })
	}
	return p
}

// diffNode starts redpool as node a (a's id and slots, on a port of its
// own, with the real b as its peer) and returns a Diff against the real a
// and the mask that makes the two a's ports (and bus ports) alike.
func (p *clusterRedisPair) diffNode(t *testing.T, b servertest.Backend, proto int) (*servertest.Diff, func(string) string) {
	t.Helper()
	port := servertest.FreePort(t)
	srv := clusterStartNode(t, b, port, clusterConfig(p.aID,
		[3]string{p.aID, "127.0.0.1:" + strconv.Itoa(port), "0-8191"},
		[3]string{p.bID, p.b.Addr, "8192-16383"}))
	ports := strings.NewReplacer(strconv.Itoa(p.aPort+10000), "CPORT", strconv.Itoa(p.aPort), "PORT",
		strconv.Itoa(port+10000), "CPORT", strconv.Itoa(port), "PORT")
	return servertest.NewDiff(t, p.a.Addr, srv.Addr, proto), ports.Replace
}

// clusterWaitFor polls a command until ok accepts its reply (10 s at most).
func clusterWaitFor(t *testing.T, c *servertest.Conn, cmd, sub string, ok func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := c.Do(cmd, sub)
		if ok(r) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s never got there: %q", cmd, sub, r)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// clusterBulk is the text of a bulk string reply.
func clusterBulk(raw string) string {
	_, rest, _ := strings.Cut(raw, "\r\n")
	return strings.TrimSuffix(rest, "\r\n")
}

// clusterConfig is a [cluster] with nodes listed as (id, addr, slots).
func clusterConfig(myself string, nodes ...[3]string) config.Cluster {
	c := config.Cluster{Enabled: true, Myself: myself}
	for _, n := range nodes {
		node := config.ClusterNode{ID: n[0], Addr: n[1]}
		if strings.HasPrefix(n[2], "replica_of=") {
			node.ReplicaOf = strings.TrimPrefix(n[2], "replica_of=")
		} else if n[2] != "" {
			node.Slots = strings.Split(n[2], ",")
		}
		c.Nodes = append(c.Nodes, node)
	}
	return c
}

// clusterStartNode starts redpool on port with cluster and backend b.
func clusterStartNode(t *testing.T, b servertest.Backend, port int, cluster config.Cluster) *servertest.Server {
	t.Helper()
	cfg := config.Default()
	cfg.Port = port
	cfg.Dir = t.TempDir()
	cfg.ProtectedMode = false
	cfg.Cluster = cluster
	b.Apply(&cfg)
	return servertest.StartConfig(t, cfg, server.Options{})
}

// clusterKeyIn returns a key (prefix plus digits) whose slot lo <= slot <= hi.
func clusterKeyIn(prefix string, lo, hi int) (string, int) {
	for i := 0; ; i++ {
		k := prefix + strconv.Itoa(i)
		if s := backend.KeySlot([]byte(k)); s >= lo && s <= hi {
			return k, s
		}
	}
}

// clusterMaskNodes makes CLUSTER NODES comparable: the lines sorted, the
// ping, pong and epoch columns (which gossip moves) blanked.
func clusterMaskNodes(raw string) string {
	body := raw
	if i := strings.Index(raw, "\r\n"); i >= 0 {
		body = raw[i+2:]
	}
	body = strings.TrimPrefix(body, "txt:")
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(body, "\n\r\n"), "\n") {
		f := strings.Fields(l)
		if len(f) >= 8 {
			f[4], f[5], f[6] = "x", "x", "x"
		}
		lines = append(lines, strings.Join(f, " "))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// clusterInfoFields keeps CLUSTER INFO's fields that gossip does not move.
func clusterInfoFields(raw string) string {
	var keep []string
	for _, l := range strings.Split(raw, "\r\n") {
		for _, k := range []string{"cluster_state", "cluster_slots_", "cluster_known_nodes", "cluster_size"} {
			if strings.Contains(l, k+":") || strings.HasPrefix(l, k) {
				keep = append(keep, l)
			}
		}
	}
	return strings.Join(keep, "\n")
}

// TestClusterDiff compares cluster mode with two real Redis 7.0 cluster
// nodes, byte for byte in RESP2 and RESP3 on both backends: redpool
// plays node a (its id, its slots), with the real node b as its peer, so
// only a's port differs in the replies, and it is substituted.
func TestClusterDiff(t *testing.T) {
	p := clusterStartRedisPair(t)
	keyA, slotA := clusterKeyIn("a", 0, 8191)
	keyA2, _ := clusterKeyIn("{"+keyA+"}", slotA, slotA)
	otherA, _ := clusterKeyIn("o", 0, 8191)
	keyB, slotB := clusterKeyIn("b", 8192, 16383)
	const unknown = "0123456789012345678901234567890123456789"
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		d, portMask := p.diffNode(t, b, proto)
		for _, cmd := range [][]string{
			// Keys: served here, moved, crossing slots.
			{"SET", keyA, "1"}, {"GET", keyA}, {"GET", keyB}, {"SET", keyB, "1"},
			{"MSET", keyA, "1", keyB, "2"}, {"MGET", keyA, otherA}, {"MGET", keyA, keyA2}, {"MGET", keyA, keyA},
			{"DEL", keyA, keyA2}, {"EXISTS", keyB}, {"PING"}, {"DBSIZE"}, {"ECHO", keyB},
			{"SELECT", "0"}, {"SELECT", "1"}, {"SELECT", "x"}, {"MOVE", keyA, "1"}, {"SWAPDB", "0", "1"},
			{"COPY", keyA, keyA2, "DB", "1"}, {"COPY", keyB, keyA, "DB", "0"},
			{"CLUSTER", "KEYSLOT", keyA}, {"CLUSTER", "KEYSLOT", "{user}x"}, {"CLUSTER", "KEYSLOT", "{}x"},
			{"CLUSTER", "KEYSLOT"}, {"CLUSTER", "MYID"}, {"CLUSTER", "FOO"}, {"CLUSTER"},
			{"READONLY"}, {"READWRITE"}, {"ASKING"}, {"GET", keyA}, {"READONLY"}, {"GET", keyB}, {"READWRITE"},
			// Transactions: each command is checked as it is queued, all
			// of them together at EXEC.
			{"MULTI"}, {"SET", keyA, "1"}, {"GET", keyB}, {"EXEC"},
			{"MULTI"}, {"SET", keyA, "1"}, {"GET", otherA}, {"EXEC"},
			{"MULTI"}, {"SET", keyA, "1"}, {"GET", keyA2}, {"EXEC"},
			// Scripts: declared keys by the dispatcher, others by redis.call.
			{"EVAL", "return redis.call('get', KEYS[1])", "1", keyB},
			{"EVAL", "return redis.call('get', '" + keyB + "')", "0"},
			{"EVAL", "return redis.pcall('get', '" + keyB + "')", "0"},
			{"EVAL", "redis.call('set', KEYS[1], 1) return redis.call('get', '" + otherA + "')", "1", keyA},
			{"EVAL", "#!lua\nredis.call('set', KEYS[1], 1) return redis.call('get', '" + otherA + "')", "1", keyA},
			{"EVAL", "#!lua flags=allow-cross-slot-keys\nredis.call('set', KEYS[1], 1) return redis.call('get', '" + otherA + "')", "1", keyA},
			{"EVAL", "#!lua\nreturn redis.call('get', '" + keyA2 + "')", "1", keyA},
			{"EVAL", "#!lua flags=no-cluster\nreturn 1", "0"}, {"EVAL_RO", "#!lua flags=no-cluster\nreturn 1", "0"},
			{"FUNCTION", "LOAD", "#!lua name=clusterlib\nredis.register_function{function_name='nc', callback=function() return 1 end, flags={'no-cluster'}}"},
			{"FCALL", "nc", "0"}, {"FUNCTION", "DELETE", "clusterlib"},
			// Administration and its errors.
			{"CLUSTER", "COUNTKEYSINSLOT", "x"}, {"CLUSTER", "COUNTKEYSINSLOT", "-1"}, {"CLUSTER", "COUNTKEYSINSLOT", "16384"},
			{"CLUSTER", "GETKEYSINSLOT", "1", "-1"}, {"CLUSTER", "GETKEYSINSLOT", "x", "1"}, {"CLUSTER", "GETKEYSINSLOT", "1", "x"},
			{"CLUSTER", "GETKEYSINSLOT", "16384", "1"},
			{"CLUSTER", "ADDSLOTS", "0"}, {"CLUSTER", "ADDSLOTS", "x"}, {"CLUSTER", "ADDSLOTS", "16384"},
			{"CLUSTER", "DELSLOTS", "5", "5"}, {"CLUSTER", "ADDSLOTSRANGE", "1", "2", "3"},
			{"CLUSTER", "DELSLOTSRANGE", "5", "1"}, {"CLUSTER", "ADDSLOTSRANGE", "1", "x"},
			{"CLUSTER", "SETSLOT", "99999", "STABLE"}, {"CLUSTER", "SETSLOT", "x", "STABLE"},
			{"CLUSTER", "SETSLOT", strconv.Itoa(slotB), "MIGRATING", p.bID},
			{"CLUSTER", "SETSLOT", strconv.Itoa(slotA), "IMPORTING", p.bID},
			{"CLUSTER", "SETSLOT", strconv.Itoa(slotA), "MIGRATING", unknown},
			{"CLUSTER", "SETSLOT", strconv.Itoa(slotB), "IMPORTING", unknown},
			{"CLUSTER", "SETSLOT", strconv.Itoa(slotA), "NODE", unknown},
			{"CLUSTER", "SETSLOT", strconv.Itoa(slotA), "FOO"}, {"CLUSTER", "SETSLOT", strconv.Itoa(slotA), "STABLE", "x"},
			{"CLUSTER", "SETSLOT", strconv.Itoa(slotA), "NODE"},
			{"CLUSTER", "REPLICAS", p.aID}, {"CLUSTER", "SLAVES", p.bID}, {"CLUSTER", "REPLICAS", unknown},
			{"CLUSTER", "COUNT-FAILURE-REPORTS", p.bID}, {"CLUSTER", "COUNT-FAILURE-REPORTS", unknown},
			{"CLUSTER", "FORGET", p.aID}, {"CLUSTER", "FORGET", unknown},
			{"CLUSTER", "REPLICATE", p.aID}, {"CLUSTER", "REPLICATE", unknown},
			{"CLUSTER", "FAILOVER"}, {"CLUSTER", "FAILOVER", "x"}, {"CLUSTER", "FAILOVER", "FORCE"}, {"CLUSTER", "FAILOVER", "a", "b"},
			{"CLUSTER", "SET-CONFIG-EPOCH", "-1"}, {"CLUSTER", "SET-CONFIG-EPOCH", "x"}, {"CLUSTER", "SET-CONFIG-EPOCH", "5"},
			{"CLUSTER", "RESET", "x"}, {"CLUSTER", "RESET", "a", "b"},
			{"SET", keyA, "1"}, {"CLUSTER", "RESET"}, {"CLUSTER", "FLUSHSLOTS"}, {"CLUSTER", "REPLICATE", p.bID}, {"DEL", keyA},
			{"CLUSTER", "HELP"}, {"CLUSTER", "HELP", "x"},
			{"CONFIG", "GET", "cluster-enabled"}, {"CONFIG", "GET", "cluster-node-timeout"},
			{"CONFIG", "GET", "cluster-require-full-coverage"}, {"CONFIG", "GET", "cluster-allow-reads-when-down"},
			{"CONFIG", "GET", "cluster-replica-validity-factor"}, {"CONFIG", "GET", "cluster-slave-no-failover"},
			{"CONFIG", "GET", "cluster-preferred-endpoint-type"}, {"CONFIG", "GET", "cluster-config-file"},
			{"CONFIG", "SET", "cluster-enabled", "no"}, {"CONFIG", "SET", "cluster-node-timeout", "x"},
		} {
			d.DoMasked(portMask, cmd...)
		}
		d.DoMasked(portMask, "CLUSTER", "SLOTS")
		d.DoMasked(func(s string) string { return portMask(servertest.SortedElements(s)) }, "CLUSTER", "SHARDS")
		d.DoMasked(func(s string) string { return clusterMaskNodes(portMask(s)) }, "CLUSTER", "NODES")
		d.DoMasked(clusterInfoFields, "CLUSTER", "INFO")
		d.DoMasked(func(s string) string {
			_, sec, _ := strings.Cut(s, "# Cluster")
			return sec
		}, "INFO", "cluster")

		// A slot migrating to b: keys here are served, missing ones are
		// asked for at b, a mix is TRYAGAIN.
		a := strconv.Itoa(slotA)
		for _, cmd := range [][]string{
			{"SET", keyA, "1"}, {"CLUSTER", "SETSLOT", a, "MIGRATING", p.bID}, {"SET", keyA2, "1"},
			{"GET", keyA}, {"GET", keyA2}, {"MGET", keyA, keyA2}, {"MGET", keyA, keyA}, {"DEL", keyA2},
			{"MULTI"}, {"GET", keyA}, {"GET", keyA2}, {"EXEC"},
			{"MULTI"}, {"GET", keyA}, {"EXEC"},
			{"CLUSTER", "NODES"},
			{"CLUSTER", "SETSLOT", a, "STABLE"}, {"DEL", keyA}, {"GET", keyA},
			// A slot importing from b: only after ASKING, for one command.
			{"CLUSTER", "SETSLOT", strconv.Itoa(slotB), "IMPORTING", p.bID},
			{"GET", keyB}, {"ASKING"}, {"GET", keyB}, {"GET", keyB}, {"ASKING"}, {"PING"}, {"GET", keyB},
			{"ASKING"}, {"SET", keyB, "1"}, {"ASKING"}, {"GET", keyB}, {"ASKING"}, {"DEL", keyB},
			{"RESTORE-ASKING", keyB, "0", "x"},
			{"ASKING"}, {"MULTI"}, {"GET", keyB}, {"EXEC"}, {"GET", keyB}, {"CLUSTER", "NODES"},
			{"CLUSTER", "SETSLOT", strconv.Itoa(slotB), "STABLE"}, {"GET", keyB},
		} {
			if len(cmd) == 2 && cmd[1] == "NODES" {
				d.DoMasked(func(s string) string { return clusterMaskNodes(portMask(s)) }, cmd...)
				continue
			}
			d.DoMasked(portMask, cmd...)
		}

		// A slot without a node: that slot is not served, and the cluster
		// is down for every other.
		for _, cmd := range [][]string{
			{"CLUSTER", "DELSLOTS", a}, {"GET", keyA}, {"GET", otherA}, {"SET", otherA, "1"}, {"PING"},
			{"CONFIG", "SET", "cluster-allow-reads-when-down", "yes"}, {"GET", otherA}, {"SET", otherA, "1"},
			{"CONFIG", "SET", "cluster-allow-reads-when-down", "no"},
			{"CONFIG", "SET", "cluster-require-full-coverage", "no"}, {"GET", otherA}, {"GET", keyA},
			{"CLUSTER", "ADDSLOTS", a}, {"CONFIG", "SET", "cluster-require-full-coverage", "yes"},
		} {
			d.DoMasked(portMask, cmd...)
			// Redis recomputes its state on its next cron after these.
			want := ""
			switch {
			case len(cmd) < 3:
			case cmd[1] == "DELSLOTS":
				want = "fail"
			case cmd[2] == "cluster-require-full-coverage" && cmd[3] == "no":
				want = "ok"
			}
			if want != "" {
				clusterWaitFor(t, p.aConn, "CLUSTER", "INFO", func(r string) bool { return strings.Contains(r, "cluster_state:"+want) })
			}
		}
		clusterWaitFor(t, p.aConn, "CLUSTER", "INFO", func(r string) bool { return strings.Contains(r, "cluster_state:ok") })
		if t.Failed() {
			t.Logf("keys: a=%s (slot %d) a2=%s other=%s b=%s (slot %d)", keyA, slotA, keyA2, otherA, keyB, slotB)
		}
		t.Log(fmt.Sprintf("%d cases", d.Cases))
	})
}

// clusterSlotIndexed reports whether the backends find keys by slot
// (backend.SlotTx), which the slot-counting commands need.
func clusterSlotIndexed(t *testing.T) bool {
	t.Helper()
	var ok bool
	err := memory.New(memory.Options{SlotIndex: true}).View(backend.TxOptions{All: true}, func(tx backend.Tx) error {
		_, ok = tx.(backend.SlotTx)
		return nil
	})
	return err == nil && ok
}

// TestClusterDiffSlotKeys compares what needs the keys of a slot with
// Redis: COUNTKEYSINSLOT, GETKEYSINSLOT and SETSLOT NODE, which refuses
// to give away a slot that still holds keys here.
func TestClusterDiffSlotKeys(t *testing.T) {
	if !clusterSlotIndexed(t) {
		t.Skip("!!! SKIPPING: the backends do not implement backend.SlotTx yet !!!")
	}
	p := clusterStartRedisPair(t)
	keyA, slotA := clusterKeyIn("a", 0, 8191)
	keyA2, _ := clusterKeyIn("{"+keyA+"}", slotA, slotA)
	keyB, _ := clusterKeyIn("b", 8192, 16383)
	a := strconv.Itoa(slotA)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		d, portMask := p.diffNode(t, b, proto)
		for _, cmd := range [][]string{
			{"CLUSTER", "COUNTKEYSINSLOT", a}, {"CLUSTER", "GETKEYSINSLOT", a, "10"},
			{"SET", keyA, "1"}, {"SET", keyA2, "2"},
		} {
			d.DoMasked(portMask, cmd...)
		}
		// Which key of two a count of 1 gives is the order of the slot's
		// keys, which neither server promises (Redis: newest first).
		d.DoUnordered("CLUSTER", "GETKEYSINSLOT", a, "10")
		_, rp := d.Conns()
		one := func(k string) string { return "*1\r\n$" + strconv.Itoa(len(k)) + "\r\n" + k + "\r\n" }
		if got := rp.Do("CLUSTER", "GETKEYSINSLOT", a, "1"); got != one(keyA) && got != one(keyA2) {
			t.Errorf("GETKEYSINSLOT %s 1 = %q, want one of %q, %q", a, got, keyA, keyA2)
		}
		for _, cmd := range [][]string{
			{"CLUSTER", "COUNTKEYSINSLOT", a}, {"CLUSTER", "GETKEYSINSLOT", a, "0"},
			{"CLUSTER", "COUNTKEYSINSLOT", strconv.Itoa(backend.KeySlot([]byte(keyB)))},
			{"CLUSTER", "SETSLOT", a, "NODE", p.bID},
			{"CLUSTER", "SETSLOT", a, "MIGRATING", p.bID}, {"CLUSTER", "SETSLOT", a, "NODE", p.bID},
			{"DEL", keyA}, {"DEL", keyA2}, {"CLUSTER", "COUNTKEYSINSLOT", a},
			{"CLUSTER", "SETSLOT", a, "NODE", p.bID}, {"GET", keyA}, {"SET", keyA, "1"},
			{"CLUSTER", "SETSLOT", a, "NODE", p.aID}, {"GET", keyA},
		} {
			d.DoMasked(portMask, cmd...)
		}
		d.DoUnordered("CLUSTER", "GETKEYSINSLOT", a, "10")
		d.DoMasked(func(s string) string { return clusterMaskNodes(portMask(s)) }, "CLUSTER", "NODES")
	})
}
