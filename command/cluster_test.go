package command

import (
	"strconv"
	"strings"
	"testing"

	"redpool/backend"
	"redpool/backend/memory"
)

const (
	clusterIDA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	clusterIDB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	clusterIDC = "cccccccccccccccccccccccccccccccccccccccc"
)

// clusterTestMap is a: 0-8191 (at 10.0.0.1:7001), b: 8192-16383
// (10.0.0.2:7002), c: b's replica (10.0.0.3:7003).
func clusterTestMap(myself string) *ClusterOptions {
	return &ClusterOptions{Myself: myself, Nodes: []ClusterNode{
		{ID: clusterIDA, Host: "10.0.0.1", Port: 7001, Slots: [][2]int{{0, 8191}}},
		{ID: clusterIDB, Host: "10.0.0.2", Port: 7002, Slots: [][2]int{{8192, 16383}}},
		{ID: clusterIDC, Host: "10.0.0.3", Port: 7003, ReplicaOf: clusterIDB},
	}}
}

// newClusterCtx is a session on an engine in cluster mode as node
// myself; follow records what the node was told to replicate.
func newClusterCtx(t testing.TB, myself string) (c *Ctx, follow *[]string) {
	t.Helper()
	m := memory.New(memory.Options{ExpiryInterval: -1, SlotIndex: true})
	t.Cleanup(func() { _ = m.Close() })
	e, err := NewEngine(Options{Backend: m, Cluster: clusterTestMap(myself)})
	if err != nil {
		t.Fatal(err)
	}
	follow = new([]string)
	e.cluster.follow = func(host string, port int) {
		*follow = append(*follow, host+":"+strconv.Itoa(port))
	}
	return e.NewCtx(e.NewClient("a", "b"), nil), follow
}

// clusterKey returns a key whose slot is in lo..hi.
func clusterKey(prefix string, lo, hi int) (string, int) {
	for i := 0; ; i++ {
		k := prefix + strconv.Itoa(i)
		if s := backend.KeySlot([]byte(k)); s >= lo && s <= hi {
			return k, s
		}
	}
}

// clusterExpect runs each {command, reply} pair on c.
func clusterExpect(t *testing.T, c *Ctx, pairs ...[2]string) {
	t.Helper()
	for _, p := range pairs {
		if got := execAll(c, p[0]); got != p[1] {
			t.Errorf("%s\n got %q\nwant %q", p[0], got, p[1])
		}
	}
}

// clusterBulkReply is s as a RESP2 bulk string.
func clusterBulkReply(s string) string {
	return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n"
}

// TestClusterRedirects: the dispatcher's verdicts, as transcripts.
func TestClusterRedirects(t *testing.T) {
	c, _ := newClusterCtx(t, clusterIDA)
	ka, sa := clusterKey("a", 0, 8191)
	kb, sb := clusterKey("b", 8192, 16383)
	other, _ := clusterKey("{"+ka+"}", 0, 8191) // same node, maybe another slot
	for i := 0; backend.KeySlot([]byte(other)) == sa; i++ {
		other, _ = clusterKey("o"+strconv.Itoa(i), 0, 8191)
	}
	moved := "-MOVED " + strconv.Itoa(sb) + " 10.0.0.2:7002\r\n"
	clusterExpect(t, c,
		[2]string{"SET " + ka + " 1", "+OK\r\n"},
		[2]string{"GET " + kb, moved},
		[2]string{"SET " + kb + " 1", moved},
		[2]string{"MGET " + ka + " " + kb, "-CROSSSLOT Keys in request don't hash to the same slot\r\n"},
		[2]string{"MGET {" + ka + "}1 {" + ka + "}2", "*2\r\n$-1\r\n$-1\r\n"},
		[2]string{"PING", "+PONG\r\n"},
		[2]string{"SELECT 1", "-ERR SELECT is not allowed in cluster mode\r\n"},
		// EXEC checks the queued keys together, and a redirect discards.
		[2]string{"MULTI", "+OK\r\n"},
		[2]string{"GET " + ka, "+QUEUED\r\n"},
		[2]string{"GET " + other, "+QUEUED\r\n"},
		[2]string{"EXEC", "-CROSSSLOT Keys in request don't hash to the same slot\r\n"},
		[2]string{"EXEC", "-ERR EXEC without MULTI\r\n"},
		[2]string{"MULTI", "+OK\r\n"},
		[2]string{"GET " + kb, moved},
		[2]string{"EXEC", "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		// An open slot.
		[2]string{"CLUSTER SETSLOT " + strconv.Itoa(sa) + " MIGRATING " + clusterIDB, "+OK\r\n"},
		[2]string{"GET " + ka, "$1\r\n1\r\n"},
		[2]string{"GET {" + ka + "}x", "-ASK " + strconv.Itoa(sa) + " 10.0.0.2:7002\r\n"},
		[2]string{"MGET " + ka + " {" + ka + "}x", "-TRYAGAIN Multiple keys request during rehashing of slot\r\n"},
		[2]string{"CLUSTER SETSLOT " + strconv.Itoa(sa) + " STABLE", "+OK\r\n"},
		[2]string{"CLUSTER SETSLOT " + strconv.Itoa(sb) + " IMPORTING " + clusterIDB, "+OK\r\n"},
		[2]string{"GET " + kb, moved},
		[2]string{"ASKING", "+OK\r\n"},
		[2]string{"GET " + kb, "$-1\r\n"},
		[2]string{"GET " + kb, moved},
		[2]string{"ASKING", "+OK\r\n"},
		[2]string{"MULTI", "+OK\r\n"},
		[2]string{"SET " + kb + " 2", "+QUEUED\r\n"},
		[2]string{"EXEC", "*1\r\n+OK\r\n"},
		[2]string{"ASKING", "+OK\r\n"},
		[2]string{"MGET " + kb + " {" + kb + "}x", "-TRYAGAIN Multiple keys request during rehashing of slot\r\n"},
		[2]string{"RESTORE-ASKING " + kb + " 0 x", "-BUSYKEY Target key name already exists.\r\n"},
		[2]string{"RESTORE-ASKING {" + kb + "}y 0 x", "-ERR DUMP payload version or checksum are wrong\r\n"},
	)
	// Node line with the open slot, myself only.
	if got := execAll(c, "CLUSTER NODES"); !strings.Contains(got, " 0-8191 ["+strconv.Itoa(sb)+"-<-"+clusterIDB+"]\n") {
		t.Errorf("CLUSTER NODES = %q", got)
	}
}

// TestClusterReplicaReads: a replica redirects to its primary unless the
// client sent READONLY, and then only reads.
func TestClusterReplicaReads(t *testing.T) {
	c, _ := newClusterCtx(t, clusterIDC)
	ka, sa := clusterKey("a", 0, 8191)
	kb, sb := clusterKey("b", 8192, 16383)
	movedB := "-MOVED " + strconv.Itoa(sb) + " 10.0.0.2:7002\r\n"
	clusterExpect(t, c,
		[2]string{"GET " + kb, movedB},
		[2]string{"READONLY", "+OK\r\n"},
		[2]string{"GET " + kb, "$-1\r\n"},
		[2]string{"SET " + kb + " 1", movedB},
		[2]string{"GET " + ka, "-MOVED " + strconv.Itoa(sa) + " 10.0.0.1:7001\r\n"},
		[2]string{"MULTI", "+OK\r\n"},
		[2]string{"GET " + kb, "+QUEUED\r\n"},
		[2]string{"EXEC", "*1\r\n$-1\r\n"},
		[2]string{"READWRITE", "+OK\r\n"},
		[2]string{"GET " + kb, movedB},
		[2]string{"CLUSTER SETSLOT 1 STABLE", "-ERR Please use SETSLOT only with masters.\r\n"},
		[2]string{"CLUSTER FORGET " + clusterIDB, "-ERR Can't forget my master!\r\n"},
		[2]string{"CLUSTER FAILOVER", "-ERR Master is down or failed, please use CLUSTER FAILOVER FORCE\r\n"},
	)
}

// TestClusterAdmin: the subcommands whose effect is this node's map.
func TestClusterAdmin(t *testing.T) {
	c, follow := newClusterCtx(t, clusterIDC)
	ka, _ := clusterKey("a", 0, 8191)
	kb, _ := clusterKey("b", 8192, 16383)
	clusterExpect(t, c,
		[2]string{"CLUSTER MYID", "$40\r\n" + clusterIDC + "\r\n"},
		[2]string{"CLUSTER REPLICAS " + clusterIDB, "*1\r\n" + clusterBulkReply(clusterIDC+" 10.0.0.3:7003@17003 myself,slave "+clusterIDB+" 0 0 0 connected")},
		[2]string{"CLUSTER LINKS", "*0\r\n"},
		[2]string{"CLUSTER COUNT-FAILURE-REPORTS " + clusterIDA, ":0\r\n"},
		[2]string{"CLUSTER MEET 127.0.0.1 7009", "-" + string(ErrClusterMeet) + "\r\n"},
		// A takeover: c claims b's slots in its own map and stops replicating.
		[2]string{"CLUSTER FAILOVER TAKEOVER", "+OK\r\n"},
		[2]string{"CLUSTER NODES", clusterBulkReply(
			clusterIDA + " 10.0.0.1:7001@17001 master - 0 0 0 connected 0-8191\n" +
				clusterIDB + " 10.0.0.2:7002@17002 slave " + clusterIDC + " 0 0 0 connected\n" +
				clusterIDC + " 10.0.0.3:7003@17003 myself,master - 0 0 1 connected 8192-16383\n")},
		[2]string{"CLUSTER BUMPEPOCH", "+STILL 1\r\n"},
		[2]string{"CLUSTER SET-CONFIG-EPOCH 9", "-ERR The user can assign a config epoch only when the node does not know any other node.\r\n"},
		[2]string{"CLUSTER FORGET " + clusterIDA, "+OK\r\n"},
		[2]string{"CLUSTER INFO", clusterBulkReply("cluster_state:fail\r\ncluster_slots_assigned:8192\r\ncluster_slots_ok:8192\r\n" +
			"cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:2\r\ncluster_size:1\r\ncluster_current_epoch:1\r\n" +
			"cluster_my_epoch:1\r\ncluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\n" +
			"total_cluster_links_buffer_limit_exceeded:0\r\n")},
		[2]string{"GET " + ka, "-CLUSTERDOWN Hash slot not served\r\n"},
		[2]string{"GET " + kb, "-CLUSTERDOWN The cluster is down\r\n"},
		[2]string{"CLUSTER ADDSLOTSRANGE 0 8191", "+OK\r\n"},
		[2]string{"CLUSTER SLOTS", "*1\r\n*4\r\n:0\r\n:16383\r\n*4\r\n$8\r\n10.0.0.3\r\n:7003\r\n$40\r\n" + clusterIDC + "\r\n*0\r\n" +
			"*4\r\n$8\r\n10.0.0.2\r\n:7002\r\n$40\r\n" + clusterIDB + "\r\n*0\r\n"},
		[2]string{"CLUSTER RESET HARD", "+OK\r\n"},
		[2]string{"CLUSTER SLOTS", "*0\r\n"},
	)
	if got := strings.Join(*follow, " "); got != ":0" {
		t.Errorf("follow calls %q, want the takeover's (stop replicating)", got)
	}
	if got := execAll(c, "CLUSTER MYID"); strings.Contains(got, clusterIDC) {
		t.Errorf("RESET HARD kept the id: %q", got)
	}
	clusterExpect(t, c,
		[2]string{"CLUSTER SET-CONFIG-EPOCH 9", "+OK\r\n"},
		[2]string{"CLUSTER SET-CONFIG-EPOCH 9", "-ERR Node config epoch is already non-zero\r\n"},
		[2]string{"CLUSTER BUMPEPOCH", "+STILL 9\r\n"},
	)
}

// TestClusterReplicate: REPLICATE makes an empty primary a replica and
// starts replication from its new primary.
func TestClusterReplicate(t *testing.T) {
	c, follow := newClusterCtx(t, clusterIDA)
	clusterExpect(t, c,
		[2]string{"CLUSTER REPLICATE " + clusterIDC, "-ERR I can only replicate a master, not a replica.\r\n"},
		[2]string{"CLUSTER REPLICATE " + clusterIDB, "-ERR To set a master the node must be empty and without assigned slots.\r\n"},
		[2]string{"CLUSTER DELSLOTSRANGE 0 8191", "+OK\r\n"},
		[2]string{"CLUSTER REPLICATE " + clusterIDB, "+OK\r\n"},
		[2]string{"CLUSTER REPLICAS " + clusterIDB, "*2\r\n" +
			clusterBulkReply(clusterIDA+" 10.0.0.1:7001@17001 myself,slave "+clusterIDB+" 0 0 0 connected") +
			clusterBulkReply(clusterIDC+" 10.0.0.3:7003@17003 slave "+clusterIDB+" 0 0 0 connected")},
	)
	if got := strings.Join(*follow, " "); got != "10.0.0.2:7002" {
		t.Errorf("follow calls %q", got)
	}
	my, nodes := c.e.ClusterNodes()
	if my != clusterIDA || nodes[0].ReplicaOf != clusterIDB || len(nodes[0].Slots) != 0 {
		t.Errorf("ClusterNodes = %s %+v", my, nodes)
	}
}

// TestClusterOff: with cluster mode off every cluster command is refused
// as Redis refuses it, and keys go anywhere.
func TestClusterOff(t *testing.T) {
	_, c := newMemoryCtx(t)
	for _, cmd := range []string{"CLUSTER INFO", "CLUSTER KEYSLOT x", "CLUSTER HELP", "READONLY", "READWRITE", "ASKING"} {
		clusterExpect(t, c, [2]string{cmd, "-ERR This instance has cluster support disabled\r\n"})
	}
	clusterExpect(t, c,
		[2]string{"CLUSTER FOO", "-ERR unknown subcommand 'FOO'. Try CLUSTER HELP.\r\n"},
		[2]string{"CLUSTER KEYSLOT", "-ERR wrong number of arguments for 'cluster|keyslot' command\r\n"},
		[2]string{"MSET a 1 b 2", "+OK\r\n"},
		[2]string{"SELECT 1", "+OK\r\n"},
	)
	if my, nodes := c.e.ClusterNodes(); my != "" || nodes != nil {
		t.Errorf("ClusterNodes with cluster mode off = %q %v", my, nodes)
	}
}

// The dispatcher's cost of cluster mode: GET and SET of a key this node
// serves, to compare with BenchmarkGet and BenchmarkSet (cluster off).
func BenchmarkClusterGet(b *testing.B) {
	c, _ := newClusterCtx(b, clusterIDA)
	k, _ := clusterKey("k", 0, 8191)
	c.e.Exec(c, benchArgs("SET", k, "value-of-sixteen"))
	c.Reset()
	benchExec(b, c.e, c, benchArgs("GET", k), "$16\r\nvalue-of-sixteen\r\n")
}

func BenchmarkClusterSet(b *testing.B) {
	c, _ := newClusterCtx(b, clusterIDA)
	k, _ := clusterKey("k", 0, 8191)
	benchExec(b, c.e, c, benchArgs("SET", k, "value-of-sixteen"), "+OK\r\n")
}

// BenchmarkClusterMoved is the redirect itself.
func BenchmarkClusterMoved(b *testing.B) {
	c, _ := newClusterCtx(b, clusterIDA)
	k, s := clusterKey("k", 8192, 16383)
	benchExec(b, c.e, c, benchArgs("GET", k), "-MOVED "+strconv.Itoa(s)+" 10.0.0.2:7002\r\n")
}

// TestClusterMapConcurrent: commands route on the published map while
// another client changes it (run with -race).
func TestClusterMapConcurrent(t *testing.T) {
	c, _ := newClusterCtx(t, clusterIDA)
	admin := c.e.NewCtx(c.e.NewClient("admin", "b"), nil)
	ka, sa := clusterKey("a", 0, 8191)
	slot := strconv.Itoa(sa)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			execAll(admin, "CLUSTER SETSLOT "+slot+" MIGRATING "+clusterIDB, "CLUSTER SETSLOT "+slot+" STABLE",
				"CLUSTER DELSLOTS "+slot, "CLUSTER ADDSLOTS "+slot)
		}
	}()
	ok := map[string]bool{"$-1\r\n": true, "-ASK " + slot + " 10.0.0.2:7002\r\n": true,
		"-CLUSTERDOWN Hash slot not served\r\n": true}
	for {
		select {
		case <-done:
			return
		default:
		}
		if got := execAll(c, "GET "+ka); !ok[got] {
			t.Fatalf("GET during map changes: %q", got)
		}
	}
}

// TestClusterAskGuard: a command on a migrating slot whose key was here
// when the dispatcher checked, but which MIGRATE moved before the
// command's transaction began, gets -ASK instead of recreating the key
// on this node.
func TestClusterAskGuard(t *testing.T) {
	c, _ := newClusterCtx(t, clusterIDA)
	other := c.e.NewCtx(c.e.NewClient("c", "d"), nil)
	k, slot := clusterKey("k", 0, 8191)
	ask := "-ASK " + strconv.Itoa(slot) + " 10.0.0.2:7002\r\n"
	clusterExpect(t, c,
		[2]string{"SET " + k + " 5", "+OK\r\n"},
		[2]string{"CLUSTER SETSLOT " + strconv.Itoa(slot) + " MIGRATING " + clusterIDB, "+OK\r\n"},
	)
	args := benchArgs("INCR", k)
	spec, err := c.e.Check(c, args)
	if err != nil {
		t.Fatal(err)
	}
	if got := execAll(other, "DEL "+k); got != ":1\r\n" { // MIGRATE's delete
		t.Fatalf("DEL: %q", got)
	}
	c.Run(spec, args)
	if got := string(c.Out()); got != ask {
		t.Errorf("INCR after the key moved: %q, want %q", got, ask)
	}
	c.Reset()
	clusterExpect(t, c,
		[2]string{"EXISTS " + k, ask},
		[2]string{"DBSIZE", ":0\r\n"},
	)
}
