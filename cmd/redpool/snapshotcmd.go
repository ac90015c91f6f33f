package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/persistence/fsutil"
	"redpool/persistence/snapshot"
)

const snapshotUsage = `usage:
  redpool snapshot inspect FILE
      Verify a snapshot's checksums and print its header and key counts
      per database and type. Exits 1 on a bad file, naming the problem.
  redpool snapshot restore [-config FILE] [-force] SNAPSHOT
      Load SNAPSHOT into the store the config describes:
        backend = "bolt": the keys are stored in the bolt file;
        backend = "memory" with persistence.mode = "snapshot": SNAPSHOT is
          copied (verified, atomically) to the configured snapshot file,
          which the server loads at start.
      Refuses a store that holds keys unless -force, which replaces them.
      Stop the server that uses the store first.
` + rdbUsage

// snapshotCmd is `redpool snapshot`.
func snapshotCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, snapshotUsage)
		return 2
	}
	switch args[0] {
	case "inspect":
		return snapshotInspect(args[1:], stdout, stderr)
	case "restore":
		return snapshotRestore(args[1:], stdout, stderr)
	case "import-rdb":
		return snapshotImportRDB(args[1:], stdout, stderr)
	case "export-rdb":
		return snapshotExportRDB(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, snapshotUsage)
		return 0
	}
	fmt.Fprintf(stderr, "redpool snapshot: unknown command %q\n\n%s", args[0], snapshotUsage)
	return 2
}

func snapshotInspect(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprint(stderr, snapshotUsage)
		return 2
	}
	sum, err := snapshot.Inspect(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "redpool snapshot inspect: %v\n", err)
		return 1
	}
	printSummary(stdout, args[0], sum)
	return 0
}

// printSummary prints a snapshot's header and its key counts as aligned tables.
func printSummary(w io.Writer, path string, sum snapshot.Summary) {
	h := sum.Header
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "file:\t%s\n", path)
	fmt.Fprintf(tw, "format:\tredpool snapshot, version %d\n", h.Version)
	fmt.Fprintf(tw, "created:\t%s\n", h.CreatedTime().UTC().Format("2006-01-02 15:04:05.000 MST"))
	fmt.Fprintf(tw, "size:\t%d bytes\n", h.Length)
	fmt.Fprintf(tw, "keys:\t%d\n", h.Keys)
	fmt.Fprintf(tw, "checksum:\tCRC-32C %08x, ok\n", h.CRC)
	_ = tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	types := backend.Types()
	fmt.Fprint(tw, "db\t")
	for _, info := range types {
		fmt.Fprintf(tw, "%s\t", info.Name)
	}
	fmt.Fprint(tw, "keys\texpires\t\n")
	total := snapshot.DBSummary{ByType: map[backend.Type]int64{}}
	row := func(name string, d snapshot.DBSummary) {
		fmt.Fprintf(tw, "%s\t", name)
		for _, info := range types {
			fmt.Fprintf(tw, "%d\t", d.ByType[info.Type])
		}
		fmt.Fprintf(tw, "%d\t%d\t\n", d.Keys(), d.Expires)
	}
	for _, d := range sum.DBs {
		row(strconv.Itoa(d.DB), d)
		for t, n := range d.ByType {
			total.ByType[t] += n
		}
		total.Expires += d.Expires
	}
	row("total", total)
	_ = tw.Flush()
}

func snapshotRestore(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("redpool snapshot restore", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, snapshotUsage) }
	cfgPath := fset.String("config", "", "config file (default ./config.toml if present, else built-in defaults)")
	force := fset.Bool("force", false, "replace the keys of a store that is not empty")
	pos, err := parseInterspersed(fset, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, snapshotUsage)
		return 2
	}
	src := pos[0]
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "redpool snapshot restore: "+format+"\n", a...)
		return 1
	}
	cfg, _, err := loadConfig(*cfgPath)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return fail("bad config: %v", err)
	}
	sum, err := snapshot.Inspect(src)
	if err != nil {
		return fail("%v", err)
	}
	switch {
	case cfg.Backend == config.BackendBolt:
		return restoreIntoBackend(cfg, src, *force, stdout, fail)
	case cfg.PersistMode() == config.ModeSnapshot:
		return restoreSnapshotFile(cfg, src, sum, *force, stdout, fail)
	default:
		return fail(`cannot restore into backend = %q with persistence.mode = %q: use backend = "bolt", or backend = "memory" with persistence.mode = "snapshot"`,
			cfg.Backend, cfg.PersistMode())
	}
}

// parseInterspersed parses flags that may come before or after the
// positional arguments, and returns the positional ones.
func parseInterspersed(fset *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fset.Parse(args); err != nil {
			return nil, err
		}
		args = fset.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// restoreIntoBackend loads src into the configured (durable) backend.
func restoreIntoBackend(cfg config.Config, src string, force bool, stdout io.Writer, fail func(string, ...any) int) int {
	b, err := server.OpenBackend(cfg, backend.SystemClock{}, slog.New(slog.DiscardHandler))
	if err != nil {
		return fail("open the %s backend: %v", cfg.Backend, err)
	}
	code := restoreInto(b, cfg.Path(cfg.Bolt.File), src, force, stdout, fail)
	if err := b.Close(); err != nil && code == 0 {
		return fail("close the %s backend: %v", cfg.Backend, err)
	}
	return code
}

// restoreInto loads src into b (described as name in messages), refusing a
// store that holds keys unless force, which empties it first (keys and
// function libraries).
func restoreInto(b backend.Backend, name, src string, force bool, stdout io.Writer, fail func(string, ...any) int) int {
	if err := emptyStore(b, name, force); err != nil {
		return fail("%v", err)
	}
	start := time.Now()
	st, err := snapshot.Load(context.Background(), src, b)
	if err != nil {
		return fail("%v (the store may hold part of the snapshot: fix the problem and run again with -force)", err)
	}
	fmt.Fprintf(stdout, "restored %d keys from %s into %s (%d already expired, skipped) in %s\n",
		st.Loaded, src, name, st.Expired, time.Since(start).Round(time.Millisecond))
	return 0
}

// emptyStore refuses a store b (described as name) that holds keys unless
// force, which empties it (keys and function libraries).
func emptyStore(b backend.Backend, name string, force bool) error {
	var held int64
	for _, n := range b.Stats().Keys {
		held += n
	}
	if held == 0 {
		return nil
	}
	if !force {
		return fmt.Errorf("the store %s holds %d keys; use -force to replace them", name, held)
	}
	err := b.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
		return errors.Join(tx.FlushAll(), tx.SetAux(backend.AuxFunctions, nil))
	})
	if err != nil {
		return fmt.Errorf("empty the store %s: %w", name, err)
	}
	return nil
}

// snapshotEmpty refuses to replace the snapshot file dst if it holds keys
// (or cannot be read), unless force.
func snapshotEmpty(dst string, force bool) error {
	if force {
		return nil
	}
	old, err := snapshot.VerifyFile(dst)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("the existing snapshot %s cannot be read (%v); use -force to replace it", dst, err)
	case old.Keys > 0:
		return fmt.Errorf("the existing snapshot %s holds %d keys; use -force to replace it", dst, old.Keys)
	}
	return nil
}

// restoreSnapshotFile installs src as the configured snapshot file, which a
// memory-backend server loads at start.
func restoreSnapshotFile(cfg config.Config, src string, sum snapshot.Summary, force bool, stdout io.Writer, fail func(string, ...any) int) int {
	dst := cfg.Path(cfg.Persistence.Snapshot.File)
	if same(src, dst) {
		fmt.Fprintf(stdout, "%s is already the configured snapshot file (%d keys)\n", dst, sum.Header.Keys)
		return 0
	}
	if err := snapshotEmpty(dst, force); err != nil {
		return fail("%v", err)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return fail("%v", err)
	}
	// A running server would write over the restored file at its next save.
	lock, err := fsutil.LockDir(cfg.Dir)
	if err != nil {
		return fail("%v", err)
	}
	_, err = snapshot.CopyFile(src, dst)
	if err = errors.Join(err, lock.Unlock()); err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "restored %s (%d keys) to %s; redpool loads it at start\n", src, sum.Header.Keys, dst)
	return 0
}

// same reports whether a and b name the same existing file.
func same(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
