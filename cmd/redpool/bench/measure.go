package bench

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dirSize returns the total size of the regular files under dir. Files that
// vanish during the walk (renamed temp files) are skipped.
func dirSize(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		total += info.Size()
		return nil
	})
	return total, err
}

// procMemory returns the resident set size and its peak (VmRSS and VmHWM)
// of process pid from /proc, in bytes; zeros if they cannot be read.
func procMemory(pid int) (rss, hwm int64) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "kB")), 10, 64)
		if err != nil {
			continue
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm
}

// sampleInterval is how often a sampler looks at the disk and the process.
const sampleInterval = 100 * time.Millisecond

// sampler records the peak size of a directory and the peak RSS of a process
// from a goroutine it owns, until stop.
type sampler struct {
	dir  string
	pid  int
	quit chan struct{}
	done chan struct{}

	mu       sync.Mutex
	peakDisk int64
	peakRSS  int64
}

// startSampler samples dir and pid now and then every sampleInterval.
func startSampler(dir string, pid int) *sampler {
	s := &sampler{dir: dir, pid: pid, quit: make(chan struct{}), done: make(chan struct{})}
	s.sample()
	go s.loop()
	return s
}

func (s *sampler) loop() {
	defer close(s.done)
	t := time.NewTicker(sampleInterval)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
			s.sample()
		}
	}
}

func (s *sampler) sample() {
	disk, _ := dirSize(s.dir)
	rss, hwm := procMemory(s.pid)
	s.mu.Lock()
	s.peakDisk = max(s.peakDisk, disk)
	s.peakRSS = max(s.peakRSS, rss, hwm)
	s.mu.Unlock()
}

// stop takes a last sample, stops the goroutine and returns the peaks.
// Call it at most once.
func (s *sampler) stop() (peakDisk, peakRSS int64) {
	close(s.quit)
	<-s.done
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peakDisk, s.peakRSS
}
