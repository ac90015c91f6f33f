// Command redpool is a Redis-compatible server.
//
//	redpool [-config FILE] [-port N] [PORT]    serve
//	redpool -check-config [-config FILE]       validate the config and exit
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/pool"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the exit, so tests can call it.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if sub, ok := subcommands()[args[0]]; ok {
			return sub(args[1:], stdout, stderr)
		}
	}
	return serve(args, stdout, stderr)
}

// subcommands are the tools built into the binary, by name.
func subcommands() map[string]func(args []string, stdout, stderr io.Writer) int {
	return map[string]func([]string, io.Writer, io.Writer) int{
		"bench":     benchCmd,
		"check-aof": checkAOFCmd,
		"snapshot":  snapshotCmd,
	}
}

// loadConfig reads the config: path if given, else ./config.toml if it
// exists, else the defaults. It returns the file actually read ("" for none).
func loadConfig(path string) (config.Config, string, error) {
	if path == "" {
		if _, err := os.Stat("config.toml"); err == nil {
			path = "config.toml"
		} else {
			return config.Default(), "", nil
		}
	}
	cfg, err := config.Load(path)
	return cfg, path, err
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("redpool", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default ./config.toml if present, else built-in defaults)")
	port := fs.Int("port", -1, "override the configured port")
	check := fs.Bool("check-config", false, "validate the config and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "redpool: unexpected arguments %q\n", fs.Args())
		return 2
	}
	cfg, file, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "redpool: bad config: %v\n", err)
		return 1
	}
	if fs.NArg() == 1 {
		p, err := strconv.Atoi(fs.Arg(0))
		if err != nil || p < 0 || p > 65535 {
			fmt.Fprintf(stderr, "redpool: bad port %q\n", fs.Arg(0))
			return 2
		}
		cfg.Port = p
	}
	if *port >= 0 {
		cfg.Port = *port
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "redpool: bad config: %v\n", err)
		return 1
	}
	if cfg.TLS.On() { // the TLS files too: -check-config and the start agree
		if _, err := cfg.TLS.Load(); err != nil {
			fmt.Fprintf(stderr, "redpool: bad config: %v\n", err)
			return 1
		}
	}
	if *check {
		name := file
		if name == "" {
			name = "built-in defaults"
		}
		fmt.Fprintf(stdout, "config OK: %s\n", name)
		return 0
	}

	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel.Slog()}))
	// An explicit GOMAXPROCS in the environment wins over threads = 0.
	if _, set := os.LookupEnv("GOMAXPROCS"); cfg.Threads > 0 || !set {
		runtime.GOMAXPROCS(cfg.ThreadCount(runtime.GOMAXPROCS(0)))
	}
	logger.Info("scheduler", "threads", runtime.GOMAXPROCS(0))
	gcPercent, gcLimit := gcPolicy(cfg, os.LookupEnv).apply()
	logger.Info("garbage collector", "gogc", gcPercent, "memory_limit", gcLimit, "idle_release", cfg.GCIdleRelease)
	srv, err := server.New(cfg, server.Options{Logger: logger, ConfigFile: file})
	if err != nil {
		logger.Error("cannot start", "err", err)
		return 1
	}
	lns, err := srv.Listen()
	if err != nil {
		logger.Error("cannot start", "err", err)
		_ = srv.Shutdown(context.Background())
		return 1
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeListeners(lns) }()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	code := 0
	select {
	case sig := <-sigs:
		logger.Info("received signal, shutting down", "signal", sig.String())
	case <-srv.ShutdownRequested():
		logger.Info("SHUTDOWN requested, shutting down")
	case err := <-errc:
		if !errors.Is(err, pool.ErrServerClosed) {
			logger.Error("serve failed", "err", err)
			code = 1
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		logger.Error("shutdown", "err", err)
		code = 1
	}
	logger.Info("bye")
	return code
}
