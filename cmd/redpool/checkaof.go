package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"redpool/persistence/aof"
	"redpool/persistence/fsutil"
)

// checkAOFCmd is the check-aof subcommand, reading answers from stdin.
func checkAOFCmd(args []string, stdout, stderr io.Writer) int {
	return checkAOF(args, os.Stdin, stdout, stderr)
}

// checkAOF is `redpool check-aof [--fix] [--yes] FILE`: it checks an
// append-only log (one file, or every file a manifest names) and reports
// the first bad record's offset. With --fix it truncates the file to the
// last good record, after asking on stdin (or at once with --yes), holding
// the lock a server holds on its data directory (fsutil.LockDir on the
// log's directory) from the check to the truncation, so that it cannot cut
// a log a running server is appending to. Exit codes: 0 valid (or fixed),
// 1 not valid and not fixed (or the directory is in use), 2 bad usage.
func checkAOF(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	fs := flag.NewFlagSet("redpool check-aof", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fix := fs.Bool("fix", false, "truncate the log to its last good record (asks first)")
	yes := fs.Bool("yes", false, "with --fix, do not ask")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: redpool check-aof [--fix] [--yes] FILE\n\nFILE is a log file or its manifest (appendonly.aof.manifest).")
		fs.PrintDefaults()
	}
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		fs.Usage()
		return 2
	}
	if *yes && !*fix {
		fmt.Fprintln(stderr, "redpool check-aof: --yes only goes with --fix")
		return 2
	}

	if *fix {
		lock, err := fsutil.LockDir(filepath.Dir(files[0]))
		if err != nil {
			fmt.Fprintf(stdout, "%v\nAOF not fixed: stop the server using it first.\n", err)
			return 1
		}
		defer func() {
			if err := lock.Unlock(); err != nil {
				fmt.Fprintf(stdout, "Unlocking %s: %v\n", filepath.Dir(files[0]), err)
				code = 1
			}
		}()
	}
	paths, fixable, err := logFiles(files[0])
	if err != nil {
		fmt.Fprintf(stdout, "%v\nAOF is not valid.\n", err)
		return 1
	}
	for i, path := range paths {
		size, good, err := aof.CheckFile(path)
		if err == nil {
			fmt.Fprintf(stdout, "%s: ok, %d bytes\n", path, size)
			continue
		}
		fmt.Fprintf(stdout, "%v\nAOF analyzed: file=%s, size=%d, ok_up_to=%d, diff=%d\n", err, path, size, good, size-good)
		var ce *aof.CorruptError
		if !errors.As(err, &ce) {
			fmt.Fprintln(stdout, "AOF is not valid.")
			return 1
		}
		if !*fix {
			fmt.Fprintln(stdout, "AOF is not valid. Use --fix to truncate it to the last good record.")
			return 1
		}
		if i < fixable {
			fmt.Fprintf(stdout, "AOF is not valid, and --fix cannot fix it: only the last non-empty file of the log may be truncated, and %s is not.\n", path)
			return 1
		}
		if !*yes && !confirm(stdin, stdout, fmt.Sprintf("This will shrink %s from %d bytes to %d bytes (cutting %d). Continue? [y/N]: ", path, size, good, size-good)) {
			fmt.Fprintln(stdout, "AOF not fixed.")
			return 1
		}
		if err := aof.Truncate(path, good); err != nil {
			fmt.Fprintf(stdout, "Failed to truncate %s: %v\n", path, err)
			return 1
		}
		fmt.Fprintf(stdout, "Successfully truncated %s to %d bytes.\n", path, good)
		return 0
	}
	fmt.Fprintln(stdout, "AOF is valid.")
	return 0
}

// logFiles returns the files to check: the files a manifest names (path
// is a manifest) or path itself. Files before index fixable may not be
// truncated: a base file, or a file followed by a non-empty one.
func logFiles(path string) (paths []string, fixable int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	if !bytes.HasPrefix(data, []byte("redpool-aof-manifest ")) {
		return []string{path}, 0, nil
	}
	m, err := aof.ReadManifest(path)
	if err != nil {
		return nil, 0, err
	}
	dir := filepath.Dir(path)
	for i, f := range m.Files {
		p := filepath.Join(dir, f.Name)
		fi, err := os.Stat(p)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: %v", aof.ErrMissingFile, err)
		}
		paths = append(paths, p)
		if fi.Size() > 0 {
			fixable = i
		}
	}
	if base, ok := m.Base(); ok && fixable == 0 && base.Seq > 0 {
		fixable = 1
	}
	return paths, fixable, nil
}

// confirm asks question on out and reports whether the answer is yes.
func confirm(in io.Reader, out io.Writer, question string) bool {
	fmt.Fprint(out, question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}
