package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	clusterTestA = "6ba7b8109dad11d180b400c04fd430c8aaaaaaaa"
	clusterTestB = "6ba7b8109dad11d180b400c04fd430c8bbbbbbbb"
	clusterTestC = "6ba7b8109dad11d180b400c04fd430c8cccccccc"
)

// clusterTestConfig is a valid [cluster]: two primaries and a replica.
const clusterTestConfig = `
[cluster]
enabled = true
myself = "` + clusterTestA + `"

[[cluster.node]]
id = "` + clusterTestA + `"
addr = "127.0.0.1:7001"
slots = ["0-8191", "9000"]

[[cluster.node]]
id = "` + clusterTestB + `"
addr = "127.0.0.1:7002"
slots = ["8192-8999", "9001-16383"]

[[cluster.node]]
id = "` + clusterTestC + `"
addr = "127.0.0.1:7003"
replica_of = "` + clusterTestB + `"
`

func TestClusterConfigParses(t *testing.T) {
	c := parse(t, clusterTestConfig)
	want := Cluster{Enabled: true, Myself: clusterTestA, Nodes: ClusterNodes{
		{ID: clusterTestA, Addr: "127.0.0.1:7001", Slots: []string{"0-8191", "9000"}},
		{ID: clusterTestB, Addr: "127.0.0.1:7002", Slots: []string{"8192-8999", "9001-16383"}},
		{ID: clusterTestC, Addr: "127.0.0.1:7003", ReplicaOf: clusterTestB},
	}}
	if !reflect.DeepEqual(c.Cluster, want) {
		t.Fatalf("got %+v\nwant %+v", c.Cluster, want)
	}
	r, err := c.Cluster.Nodes[0].SlotRanges()
	if err != nil || !reflect.DeepEqual(r, [][2]int{{0, 8191}, {9000, 9000}}) {
		t.Fatalf("SlotRanges = %v, %v", r, err)
	}
}

// TestClusterConfigProblems: each mistake is reported under the key it
// concerns, all at once.
func TestClusterConfigProblems(t *testing.T) {
	node := func(id, addr, slots, replicaOf string) string {
		return "\n[[cluster.node]]\nid = \"" + id + "\"\naddr = \"" + addr + "\"\nslots = [" + slots + "]\nreplica_of = \"" + replicaOf + "\"\n"
	}
	tests := []struct {
		src  string
		want []string // "key: message"
	}{
		{"[cluster]\nenabled = true\n", []string{
			"cluster.myself: empty (want this node's id, one of the [[cluster.node]] ids)",
			"cluster.node: no [[cluster.node]] tables (want one per node, this one included)",
		}},
		{"[cluster]\nmyself = \"" + clusterTestC + "\"\n" + node(clusterTestA, "127.0.0.1:1", `"0-10"`, ""), []string{
			"cluster.myself: " + clusterTestC + " is not the id of a [[cluster.node]]",
		}},
		{"[cluster]\nmyself = \"ABC\"\n" + node("xyz", "nowhere", `"5-1"`, "") + node(clusterTestA, "h:1", `"16384"`, ""), []string{
			`cluster.myself: "ABC" is not a node id (want 40 lower-case hex characters)`,
			`cluster.node: node 1: id "xyz" is not a node id (want 40 lower-case hex characters)`,
			`cluster.node: node 1: addr "nowhere" is not host:port with a port in 1..65535`,
			`cluster.node: node 1: slots: "5-1" out of range (want slots in 0..16383, low to high)`,
			`cluster.node: node 2: slots: "16384" out of range (want slots in 0..16383, low to high)`,
		}},
		{"[cluster]\n" + node(clusterTestA, "h:1", `"0-10"`, "") + node(clusterTestA, "h:2", `"10", "x"`, ""), []string{
			"cluster.node: node 2: id " + clusterTestA + " is also node 1's",
			`cluster.node: node 2: slots: "x" is not a slot or a range like "0-5460"`,
		}},
		{"[cluster]\n" + node(clusterTestA, "h:1", `"0-10"`, "") + node(clusterTestB, "h:2", `"5"`, ""), []string{
			"cluster.node: node 2: slot 5 is assigned twice (also to node 1)",
		}},
		{"[cluster]\n" + node(clusterTestA, "h:1", ``, clusterTestB) + node(clusterTestB, "h:2", `"1"`, clusterTestA) + node(clusterTestC, "h:3", `"2"`, clusterTestC), []string{
			"cluster.node: node 1: replica_of names node 2, itself a replica (want a primary)",
			"cluster.node: node 2: replica_of names node 1, itself a replica (want a primary)",
			"cluster.node: node 2: a replica holds no slots (its primary's are its own)",
			"cluster.node: node 3: replica_of names the node itself",
			"cluster.node: node 3: a replica holds no slots (its primary's are its own)",
		}},
		{"[cluster]\n[[cluster.node]]\nid = \"" + clusterTestA + "\"\nport = 1\n", []string{
			`cluster.node: node 1: unknown key "port" (want id, addr, slots and replica_of)`,
		}},
		{"[cluster]\n[[cluster.node]]\nslots = \"0-1\"\n", []string{
			`cluster.node: node 1: slots must be an array of strings like "0-5460"`,
		}},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range problems(t, tt.src) {
			got = append(got, p.Key+": "+p.Msg)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s\ngot  %q\nwant %q", tt.src, got, tt.want)
		}
	}
}

// TestClusterRewrite: CONFIG REWRITE (and CLUSTER SAVECONFIG) replaces the
// [[cluster.node]] tables and keeps the rest of the file.
func TestClusterRewrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redpool.toml")
	src := "port = 7001   # mine\n" + clusterTestConfig + "\n[metrics]\nlisten = \"\"\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Cluster.Nodes[0].Slots = []string{"0-9000"}
	cfg.Cluster.Nodes[1].Slots = []string{"9001-16383"}
	cfg.Cluster.Nodes = cfg.Cluster.Nodes[:2]
	if err := Rewrite(path, cfg); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(data, path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, cfg) {
		t.Fatalf("rewritten file reads back as %+v\nwant %+v", got.Cluster, cfg.Cluster)
	}
	for _, keep := range []string{"port = 7001   # mine\n", "[metrics]\nlisten = \"\"\n", "[cluster]\nenabled = true\n"} {
		if !strings.Contains(string(data), keep) {
			t.Errorf("rewritten file lost %q:\n%s", keep, data)
		}
	}
	if n := strings.Count(string(data), "[[cluster.node]]"); n != 2 {
		t.Errorf("%d [[cluster.node]] tables, want 2:\n%s", n, data)
	}
}

// TestClusterEncode: Encode writes [[cluster.node]] tables that Parse
// reads back as they were (servertest.WriteConfig relies on it).
func TestClusterEncode(t *testing.T) {
	c := parse(t, clusterTestConfig)
	data, err := Encode(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data, "encoded.toml")
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if !reflect.DeepEqual(back.Cluster, c.Cluster) {
		t.Fatalf("encoded and parsed back: %+v\nwant %+v\n%s", back.Cluster, c.Cluster, data)
	}
}
