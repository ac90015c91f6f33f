package server_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// TestClusterSaveConfig: slot map changes made with CLUSTER commands
// reach the config file with CLUSTER SAVECONFIG, keeping its comments,
// and a restart from the file serves the new map.
func TestClusterSaveConfig(t *testing.T) {
	shipped, err := os.ReadFile(filepath.Join("..", "..", "..", "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	port := servertest.FreePort(t)
	a, b := clusterE2EIDs[0], clusterE2EIDs[1]
	src := strings.Replace(string(shipped), "port = 6379\n", "port = "+strconv.Itoa(port)+"\n", 1)
	src = strings.Replace(src, `dir = "data"`+"\n", `dir = "`+filepath.Join(dir, "data")+`"`+"\n", 1)
	src = strings.Replace(src, "\nenabled = false\n", "\nenabled = true\n", 1)
	src = strings.Replace(src, "\nmyself = \"\"\n", "\nmyself = \""+a+"\"\n", 1)
	src += "\n[[cluster.node]]\nid = \"" + a + "\"\naddr = \"127.0.0.1:" + strconv.Itoa(port) + "\"\nslots = [\"0-100\"]\n" +
		"\n[[cluster.node]]\nid = \"" + b + "\"\naddr = \"127.0.0.1:7002\"\nslots = [\"101-16383\"]\n"
	path := filepath.Join(dir, "redpool.toml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s := servertest.StartConfig(t, cfg, server.Options{ConfigFile: path})
	c := servertest.Dial(t, s.Addr)
	c.Expect("+OK\r\n", "CLUSTER", "SETSLOT", "101", "NODE", a)
	c.Expect("+OK\r\n", "CLUSTER", "DELSLOTS", "0")
	c.Expect("+OK\r\n", "CLUSTER", "SAVECONFIG")
	nodes := c.Do("CLUSTER", "NODES")
	shutdown(t, s)

	got, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := config.ClusterNodes{
		{ID: a, Addr: "127.0.0.1:" + strconv.Itoa(port), Slots: []string{"1-101"}},
		{ID: b, Addr: "127.0.0.1:7002", Slots: []string{"102-16383"}},
	}
	if !reflect.DeepEqual(got.Cluster.Nodes, want) {
		t.Fatalf("saved nodes %+v\nwant %+v", got.Cluster.Nodes, want)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "# Serve as a cluster node:") {
		t.Errorf("the [cluster] comments were lost:\n%s", data)
	}
	s = servertest.StartConfig(t, got, server.Options{ConfigFile: path})
	if again := servertest.Dial(t, s.Addr).Do("CLUSTER", "NODES"); again != nodes {
		t.Errorf("after a restart CLUSTER NODES = %q, want %q", again, nodes)
	}
	// Without a config file there is nothing to save to.
	bare := clusterStartNode(t, servertest.Backends()[0], servertest.FreePort(t), clusterConfig(a, [3]string{a, "127.0.0.1:1", "0-16383"}))
	servertest.Dial(t, bare.Addr).Expect("-ERR error saving the cluster node config: no config file\r\n", "CLUSTER", "SAVECONFIG")
}
