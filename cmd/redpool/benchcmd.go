package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"redpool/cmd/redpool/bench"
)

// benchCmd is `redpool bench`: it compares persistence strategies by running
// the same workload against a real redpool process for each.
func benchCmd(args []string, stdout, stderr io.Writer) int {
	w := bench.DefaultWorkload()
	fs := flag.NewFlagSet("redpool bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: redpool bench [flags]\n\n"+
			"Runs the same workload against a real redpool server for each persistence\n"+
			"strategy (and, with -redis, against a real redis-server set up the same way)\n"+
			"and compares throughput, latency, disk use, recovery time, the writes lost\n"+
			"when the server is killed and the power-loss exposure the server reports.\n"+
			"Strategies: %s.\n\nFlags:\n",
			strings.Join(strategyNames(), ", "))
		fs.PrintDefaults()
	}
	names := fs.String("strategies", "", "comma-separated strategies to compare (default all of them)")
	var files []string
	fs.Func("config", "also compare this config file, as a strategy named after the file (repeatable)", func(s string) error {
		files = append(files, s)
		return nil
	})
	bin := fs.String("bin", "", "redpool binary to start (default this one)")
	fs.IntVar(&w.Clients, "clients", w.Clients, "client connections")
	fs.IntVar(&w.Pipeline, "pipeline", w.Pipeline, "operations per round trip on each connection")
	fs.IntVar(&w.Keys, "keys", w.Keys, "key space")
	fs.IntVar(&w.ValueSize, "value-size", w.ValueSize, "bytes per written value")
	fs.Float64Var(&w.ReadRatio, "read-ratio", w.ReadRatio, "fraction of reads, 0..1 (the rest are writes)")
	types := fs.String("types", "strings", "data types: a list of strings, lists, hashes, sets, zsets, streams, scripts, tx, mixed")
	fs.DurationVar(&w.Duration, "duration", w.Duration, "workload length per strategy")
	fs.Int64Var(&w.Ops, "ops", 0, "total operations per strategy instead of -duration")
	fs.Uint64Var(&w.Seed, "seed", w.Seed, "workload seed, the same for every strategy")
	crash := fs.Duration("crash-duration", bench.DefaultCrashDuration, "write load before the kill -9 of the crash test (0 skips it)")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	asCSV := fs.Bool("csv", false, "print the results as CSV")
	chart := fs.String("chart", "", "also write an SVG chart of the results to this file")
	htmlOut := fs.String("html", "", "also write a self-contained HTML report (table, charts, configuration, machine) to this file")
	withRedis := fs.Bool("redis", false, "also run each strategy's Redis counterpart (redis-aof-*, redis-rdb) on a real redis-server")
	redisBin := fs.String("redis-bin", "", "redis-server binary for the Redis rows (implies -redis; default redis-server on PATH)")
	tmp := fs.String("tmpdir", "", "where the temporary data directories go (default the system's)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "redpool bench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *asJSON && *asCSV {
		fmt.Fprintln(stderr, "redpool bench: -json and -csv exclude each other")
		return 2
	}
	var err error
	if w.Types, err = bench.ParseTypes(*types); err != nil {
		fmt.Fprintf(stderr, "redpool bench: -types: %v\n", err)
		return 2
	}
	strategies := bench.DefaultStrategies()
	if *names != "" {
		if strategies, err = bench.SelectStrategies(strings.Split(*names, ",")); err != nil {
			fmt.Fprintf(stderr, "redpool bench: -strategies: %v\n", err)
			return 2
		}
	}
	for _, f := range files {
		s, err := bench.StrategyFromFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "redpool bench: -config: %v\n", err)
			return 2
		}
		for _, have := range strategies {
			if have.Name == s.Name {
				fmt.Fprintf(stderr, "redpool bench: -config %s: strategy %q exists already; rename the file\n", f, s.Name)
				return 2
			}
		}
		strategies = append(strategies, s)
	}

	if *withRedis || *redisBin != "" {
		strategies = bench.WithRedis(strategies)
	}

	terminal := false
	if f, ok := stderr.(*os.File); ok {
		terminal = bench.IsTerminal(f.Fd())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	began := time.Now()
	machine := bench.DescribeMachine() // the load average before the run
	opts := bench.Options{
		Bin:           *bin,
		RedisBin:      *redisBin,
		Strategies:    strategies,
		Workload:      w,
		CrashDuration: *crash,
		TempDir:       *tmp,
		Progress:      stderr,
		Terminal:      terminal,
	}
	results, err := bench.Run(ctx, opts)
	interrupted := ctx.Err() != nil
	if err != nil && !interrupted {
		fmt.Fprintf(stderr, "redpool bench: %v\n", err)
		return 1
	}
	code := 0
	switch {
	case interrupted && len(results) == 0:
	case *asJSON:
		err = bench.WriteJSON(stdout, results)
	case *asCSV:
		err = bench.WriteCSV(stdout, results)
	default:
		err = bench.WriteTable(stdout, results)
	}
	if err != nil {
		fmt.Fprintf(stderr, "redpool bench: %v\n", err)
		code = 1
	}
	if *chart != "" {
		if err := benchWriteFile(*chart, func(w io.Writer) error { return bench.WriteSVG(w, results) }); err != nil {
			fmt.Fprintf(stderr, "redpool bench: -chart: %v\n", err)
			code = 1
		}
	}
	if *htmlOut != "" {
		rep := bench.Report{
			Started: began, Elapsed: time.Since(began).Round(100 * time.Millisecond),
			Command: "redpool " + strings.Join(append([]string{"bench"}, args...), " "),
			Options: opts, Results: results, Machine: machine,
		}
		if err := benchWriteFile(*htmlOut, func(w io.Writer) error { return bench.WriteHTML(w, rep) }); err != nil {
			fmt.Fprintf(stderr, "redpool bench: -html: %v\n", err)
			code = 1
		}
	}
	if interrupted {
		fmt.Fprintf(stderr, "redpool bench: interrupted after %d of %d strategies\n", len(results), len(strategies))
		return 130
	}
	noun := "strategies"
	if len(results) == 1 {
		noun = "strategy"
	}
	fmt.Fprintf(stderr, "redpool bench: %d %s in %v\n", len(results), noun, time.Since(began).Round(100*time.Millisecond))
	return code
}

// benchWriteFile creates path and writes it with write.
func benchWriteFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// strategyNames lists the built-in strategies.
func strategyNames() []string {
	var out []string
	for _, s := range bench.DefaultStrategies() {
		out = append(out, s.Name)
	}
	return out
}
