package server_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// clusterNodeIDs are the node ids of the three-node test clusters.
var clusterNodeIDs = [3]string{
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2",
	"ccccccccccccccccccccccccccccccccccccccc3",
}

// clusterStartProcesses starts three redpool processes as one cluster with
// Redis's default layout of slots (0-5460, 5461-10922, 10923-16383), and
// returns their addresses in node order.
func clusterStartProcesses(t *testing.T) []string {
	t.Helper()
	bin := servertest.BuildBinary(t)
	ranges := []string{"0-5460", "5461-10922", "10923-16383"}
	ports := make([]int, 3)
	addrs := make([]string, 3)
	for i := range ports {
		ports[i] = servertest.FreePort(t)
		addrs[i] = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[i]))
	}
	var nodes []config.ClusterNode
	for i := range 3 {
		nodes = append(nodes, config.ClusterNode{ID: clusterNodeIDs[i], Addr: addrs[i], Slots: []string{ranges[i]}})
	}
	for i := range 3 {
		dir := t.TempDir()
		cfg := config.Default()
		cfg.Dir = dir
		cfg.Port = ports[i]
		cfg.Cluster.Enabled = true
		cfg.Cluster.Myself = clusterNodeIDs[i]
		cfg.Cluster.Nodes = nodes
		servertest.StartProcess(t, bin, servertest.WriteConfig(t, dir, cfg))
	}
	return addrs
}

// TestClusterMigrateUnderLoad: three redpool nodes; go-redis's
// ClusterClient runs INCRs, SETs with read-backs and MGETs of hash-tagged
// keys from four goroutines while 100 slots move from the first node to
// the second the way redis-cli --cluster reshard moves them (SETSLOT
// IMPORTING on the target, MIGRATING on the source, GETKEYSINSLOT and
// MIGRATE until the slot is empty, then SETSLOT NODE on every node). The
// clients see no error (redirects are followed), every acknowledged write
// is readable afterwards, and the moved slots are served by their new owner.
func TestClusterMigrateUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three server processes")
	}
	addrs := clusterStartProcesses(t)
	ctx := context.Background()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRedirects: 16})
	defer cc.Close()
	nodes := make([]*redis.Client, 3)
	for i, a := range addrs {
		nodes[i] = redis.NewClient(&redis.Options{Addr: a})
		defer nodes[i].Close()
	}

	// Keys of the slots that move, so that the load hits the migration.
	const moveFrom, moveTo = 0, 100 // slots [0, 100) go from node 0 to node 1
	var hot []string
	for i := 0; len(hot) < 200; i++ {
		k := "hot:" + strconv.Itoa(i)
		if s := backend.KeySlot([]byte(k)); s >= moveFrom && s < moveTo {
			hot = append(hot, k)
		}
	}

	var (
		mu     sync.Mutex
		counts = map[string]int64{}  // INCRs acknowledged per key
		sets   = map[string]string{} // last acknowledged SET per key
		errs   []string
		stop   = make(chan struct{})
		wg     sync.WaitGroup
		ops    [4]int
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		if len(errs) < 20 {
			errs = append(errs, fmt.Sprintf(format, args...))
		}
		mu.Unlock()
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ops[w]++
				switch i % 4 {
				case 0, 1: // INCR a hot key (half of them move) or any key
					k := hot[(i*7+w)%len(hot)]
					if i%4 == 1 {
						k = "any:" + strconv.Itoa((i*13+w)%3000)
					}
					if _, err := cc.Incr(ctx, k).Result(); err != nil {
						fail("INCR %s: %v", k, err)
						continue
					}
					mu.Lock()
					counts[k]++
					mu.Unlock()
				case 2: // SET then GET back
					k := fmt.Sprintf("set:%d:%d", w, i%1000)
					v := strconv.Itoa(i)
					if err := cc.Set(ctx, k, v, 0).Err(); err != nil {
						fail("SET %s: %v", k, err)
						continue
					}
					mu.Lock()
					sets[k] = v
					mu.Unlock()
					if got, err := cc.Get(ctx, k).Result(); err != nil || got != v {
						fail("GET %s = %q, %v; want %q", k, got, err, v)
					}
				case 3: // MGET of two keys in one slot
					tag := "{" + hot[(i+w)%len(hot)] + "}"
					if err := cc.MSet(ctx, tag+"a", i, tag+"b", i).Err(); err != nil {
						fail("MSET %s: %v", tag, err)
						continue
					}
					if got, err := cc.MGet(ctx, tag+"a", tag+"b").Result(); err != nil || len(got) != 2 {
						fail("MGET %s: %v, %v", tag, got, err)
					}
				}
			}
		}()
	}

	time.Sleep(300 * time.Millisecond) // load before the migration
	src, dst := nodes[0], nodes[1]
	srcID, dstID := clusterNodeIDs[0], clusterNodeIDs[1]
	host, port, _ := net.SplitHostPort(addrs[1])
	moved := 0
	for slot := moveFrom; slot < moveTo; slot++ {
		clusterMust(t, dst.Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", srcID))
		clusterMust(t, src.Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", dstID))
		for {
			keys, err := src.Do(ctx, "CLUSTER", "GETKEYSINSLOT", slot, 10).StringSlice()
			if err != nil {
				t.Fatalf("GETKEYSINSLOT %d: %v", slot, err)
			}
			if len(keys) == 0 {
				break
			}
			args := []any{"MIGRATE", host, port, "", 0, 5000, "KEYS"}
			for _, k := range keys {
				args = append(args, k)
			}
			clusterMust(t, src.Do(ctx, args...))
			moved += len(keys)
		}
		// As redis-cli: the target first, then the source, then the rest.
		for _, n := range []*redis.Client{dst, src, nodes[2]} {
			clusterMust(t, n.Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", dstID))
		}
	}
	time.Sleep(300 * time.Millisecond) // load after the migration
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Fatalf("client errors during the migration:\n%s", strings.Join(errs, "\n"))
	}
	if moved == 0 {
		t.Fatal("no key was migrated")
	}
	for k, want := range counts {
		if got, err := cc.Get(ctx, k).Int64(); err != nil || got != want {
			t.Errorf("%s = %d, %v after %d acknowledged INCRs", k, got, err, want)
		}
	}
	for k, want := range sets {
		if got, err := cc.Get(ctx, k).Result(); err != nil || got != want {
			t.Errorf("%s = %q, %v; last acknowledged SET %q", k, got, err, want)
		}
	}
	// The moved slots are node 1's on every node, and their keys are there.
	for _, k := range hot {
		if _, ok := counts[k]; !ok {
			continue
		}
		if n, err := dst.Do(ctx, "EXISTS", k).Int(); err != nil || n != 1 {
			t.Errorf("EXISTS %s on the new owner: %d, %v", k, n, err)
		}
		for i, n := range nodes {
			err := n.Get(ctx, k).Err()
			if i == 1 && err != nil || i != 1 && (err == nil || !strings.HasPrefix(err.Error(), "MOVED ")) {
				t.Errorf("GET %s on node %d: %v", k, i, err)
			}
		}
	}
	t.Logf("%d keys migrated in slots %d-%d; %d operations, %d keys counted, %d keys set, no client error",
		moved, moveFrom, moveTo-1, ops[0]+ops[1]+ops[2]+ops[3], len(counts), len(sets))
}

// clusterMust fails the test on cmd's error.
func clusterMust(t *testing.T, cmd *redis.Cmd) {
	t.Helper()
	if err := cmd.Err(); err != nil {
		t.Fatalf("%v: %v", cmd.Args(), err)
	}
}

// TestClusterRedisCLIReshard: redis-cli's own cluster tools work on the
// configured map: --cluster check finds the nodes agreeing and every slot
// covered, and --cluster reshard moves 100 slots with their keys (it runs
// SETSLOT IMPORTING/MIGRATING, GETKEYSINSLOT, MIGRATE and SETSLOT NODE on
// every node, which needs no cluster bus).
func TestClusterRedisCLIReshard(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three server processes")
	}
	cli := servertest.LookTool(t, "redis-cli", "redis-tools", "redis-cli --cluster")
	addrs := clusterStartProcesses(t)
	ctx := context.Background()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer cc.Close()
	for i := range 300 {
		if err := cc.Set(ctx, "key:"+strconv.Itoa(i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(cli, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	check := func() {
		t.Helper()
		out := run("--cluster", "check", addrs[0])
		for _, want := range []string{"[OK] All nodes agree about slots configuration.", "[OK] All 16384 slots covered."} {
			if !strings.Contains(out, want) {
				t.Fatalf("redis-cli --cluster check: no %q in\n%s", want, out)
			}
		}
	}
	check()
	run("--cluster", "reshard", addrs[0], "--cluster-from", clusterNodeIDs[0], "--cluster-to", clusterNodeIDs[1],
		"--cluster-slots", "100", "--cluster-yes")
	check()
	c := redis.NewClient(&redis.Options{Addr: addrs[2]})
	defer c.Close()
	nodes, err := c.Do(ctx, "CLUSTER", "NODES").Text()
	if err != nil || !strings.Contains(nodes, clusterNodeIDs[1]+" "+addrs[1]+"@") || !strings.Contains(nodes, " 0-99 5461-10922\n") {
		t.Fatalf("CLUSTER NODES on the third node after the reshard: %v\n%s", err, nodes)
	}
	for i := range 300 {
		if got, err := cc.Get(ctx, "key:"+strconv.Itoa(i)).Int(); err != nil || got != i {
			t.Errorf("key:%d = %d, %v after the reshard", i, got, err)
		}
	}
}
