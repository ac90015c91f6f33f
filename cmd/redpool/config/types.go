package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
)

// BackendKind selects the storage engine.
type BackendKind string

// Storage engines.
const (
	BackendMemory BackendKind = "memory"
	BackendBolt   BackendKind = "bolt"
)

func (BackendKind) values() []BackendKind { return []BackendKind{BackendMemory, BackendBolt} }

// String returns the config word.
func (b BackendKind) String() string { return string(b) }

// MarshalText returns the config word.
func (b BackendKind) MarshalText() ([]byte, error) { return []byte(b), nil }

// UnmarshalText accepts memory or bolt, ignoring case.
func (b *BackendKind) UnmarshalText(text []byte) error { return parseEnum(b, text) }

// BoltSync is when the bolt backend syncs to disk.
type BoltSync string

// Bolt sync policies.
const (
	BoltSyncAlways BoltSync = "always" // sync every commit
	BoltSyncBatch  BoltSync = "batch"  // group concurrent writes into one synced commit
	BoltSyncNone   BoltSync = "none"   // never sync; leave it to the OS
)

func (BoltSync) values() []BoltSync { return []BoltSync{BoltSyncAlways, BoltSyncBatch, BoltSyncNone} }

// String returns the config word.
func (s BoltSync) String() string { return string(s) }

// MarshalText returns the config word.
func (s BoltSync) MarshalText() ([]byte, error) { return []byte(s), nil }

// UnmarshalText accepts always, batch or none, ignoring case.
func (s *BoltSync) UnmarshalText(text []byte) error { return parseEnum(s, text) }

// PersistMode is how data survives a restart besides the backend itself:
// an append-only file (memory only) or snapshots.
type PersistMode string

// Persistence modes.
const (
	// ModeAuto is the default: aof with the memory backend, none with bolt
	// (which is durable by itself). Config.PersistMode resolves it.
	ModeAuto     PersistMode = "auto"
	ModeNone     PersistMode = "none"
	ModeAOF      PersistMode = "aof"
	ModeSnapshot PersistMode = "snapshot"
)

func (PersistMode) values() []PersistMode {
	return []PersistMode{ModeAuto, ModeNone, ModeAOF, ModeSnapshot}
}

// String returns the config word.
func (m PersistMode) String() string { return string(m) }

// MarshalText returns the config word.
func (m PersistMode) MarshalText() ([]byte, error) { return []byte(m), nil }

// UnmarshalText accepts auto, none, aof or snapshot, ignoring case.
func (m *PersistMode) UnmarshalText(text []byte) error { return parseEnum(m, text) }

// FsyncPolicy is when the append-only file is fsynced (Redis appendfsync).
type FsyncPolicy string

// Fsync policies.
const (
	FsyncAlways   FsyncPolicy = "always"
	FsyncEverySec FsyncPolicy = "everysec"
	FsyncNo       FsyncPolicy = "no"
)

func (FsyncPolicy) values() []FsyncPolicy { return []FsyncPolicy{FsyncAlways, FsyncEverySec, FsyncNo} }

// String returns the config word.
func (p FsyncPolicy) String() string { return string(p) }

// MarshalText returns the config word.
func (p FsyncPolicy) MarshalText() ([]byte, error) { return []byte(p), nil }

// UnmarshalText accepts always, everysec or no, ignoring case.
func (p *FsyncPolicy) UnmarshalText(text []byte) error { return parseEnum(p, text) }

// Allowance says who may run a command Redis protects (Redis's
// enable-debug-command): nobody, everyone, or clients on loopback.
type Allowance string

// Allowances.
const (
	AllowNo    Allowance = "no"
	AllowYes   Allowance = "yes"
	AllowLocal Allowance = "local"
)

func (Allowance) values() []Allowance { return []Allowance{AllowNo, AllowYes, AllowLocal} }

// String returns the config word.
func (a Allowance) String() string { return string(a) }

// MarshalText returns the config word.
func (a Allowance) MarshalText() ([]byte, error) { return []byte(a), nil }

// UnmarshalText accepts no, yes or local, ignoring case.
func (a *Allowance) UnmarshalText(text []byte) error { return parseEnum(a, text) }

// LogLevel is the minimum level logged.
type LogLevel string

// Log levels.
const (
	LogDebug LogLevel = "debug"
	LogInfo  LogLevel = "info"
	LogWarn  LogLevel = "warn"
	LogError LogLevel = "error"
)

func (LogLevel) values() []LogLevel { return []LogLevel{LogDebug, LogInfo, LogWarn, LogError} }

// String returns the config word.
func (l LogLevel) String() string { return string(l) }

// MarshalText returns the config word.
func (l LogLevel) MarshalText() ([]byte, error) { return []byte(l), nil }

// UnmarshalText accepts debug, info, warn or error, ignoring case.
func (l *LogLevel) UnmarshalText(text []byte) error { return parseEnum(l, text) }

// Slog returns the matching slog level; unknown levels map to info.
func (l LogLevel) Slog() slog.Level {
	switch l {
	case LogDebug:
		return slog.LevelDebug
	case LogWarn:
		return slog.LevelWarn
	case LogError:
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// enum is a config word type listing its allowed values.
type enum[T any] interface {
	~string
	values() []T
}

// parseEnum sets *dst to the allowed value equal to text, ignoring case.
func parseEnum[T enum[T]](dst *T, text []byte) error {
	for _, v := range (*dst).values() {
		if strings.EqualFold(string(v), string(text)) {
			*dst = v
			return nil
		}
	}
	return unknownValue(string(text), (*dst).values())
}

// checkEnum reports whether v is exactly one of its type's allowed values.
func checkEnum[T enum[T]](v T) error {
	for _, ok := range v.values() {
		if v == ok {
			return nil
		}
	}
	return unknownValue(string(v), v.values())
}

func unknownValue[T ~string](got string, want []T) error {
	words := make([]string, len(want))
	for i, w := range want {
		words[i] = string(w)
	}
	return fmt.Errorf("unknown value %q (want %s)", got, orList(words))
}

// orList renders ["a", "b", "c"] as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// Duration is a time.Duration written as a Go duration string, e.g. "30s".
type Duration time.Duration

// String formats d like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText formats d like time.Duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses text with time.ParseDuration.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("invalid duration %q (want e.g. \"0s\", \"30s\" or \"5m\")", text)
	}
	*d = Duration(v)
	return nil
}

// Size is a number of bytes.
type Size int64

// Binary size units (Redis "kb", "mb", "gb").
const (
	KB Size = 1 << 10
	MB Size = 1 << 20
	GB Size = 1 << 30
)

// ParseSize parses a byte count like Redis's memtoull: a non-negative integer
// with an optional case-insensitive unit b, k (1000), kb (1024), m (1000²),
// mb (1024²), g (1000³) or gb (1024³). Examples: "100", "10kb", "512MB", "1gb".
func ParseSize(s string) (Size, error) {
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	mul, unitOK := sizeUnit(s[digits:])
	n, err := strconv.ParseInt(s[:digits], 10, 64)
	if !unitOK || err != nil || n > math.MaxInt64/mul {
		return 0, fmt.Errorf("invalid size %q (want bytes, optionally with unit b, k, kb, m, mb, g or gb, e.g. \"64mb\")", s)
	}
	return Size(n * mul), nil
}

// sizeUnit returns the multiplier for a ParseSize unit.
func sizeUnit(unit string) (int64, bool) {
	switch strings.ToLower(unit) {
	case "", "b":
		return 1, true
	case "k":
		return 1000, true
	case "kb":
		return 1 << 10, true
	case "m":
		return 1000 * 1000, true
	case "mb":
		return 1 << 20, true
	case "g":
		return 1000 * 1000 * 1000, true
	case "gb":
		return 1 << 30, true
	}
	return 0, false
}

// String returns the byte count as a plain integer, as Redis's CONFIG GET does.
func (s Size) String() string { return strconv.FormatInt(int64(s), 10) }

// MarshalText returns the byte count as a plain integer.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses text with ParseSize.
func (s *Size) UnmarshalText(text []byte) error {
	v, err := ParseSize(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// SaveRule asks for a snapshot once Seconds have passed since the last one and
// at least Changes writes happened since then (Redis "save <seconds> <changes>").
// In TOML it is a pair [seconds, changes].
type SaveRule struct {
	Seconds int64
	Changes int64
}

// UnmarshalTOML decodes a [seconds, changes] pair of integers.
func (r *SaveRule) UnmarshalTOML(v any) error {
	pair, ok := v.([]any)
	if ok && len(pair) == 2 {
		secs, ok1 := pair[0].(int64)
		changes, ok2 := pair[1].(int64)
		if ok1 && ok2 {
			*r = SaveRule{Seconds: secs, Changes: changes}
			return nil
		}
	}
	return fmt.Errorf("bad rule %s (want [seconds, changes] integers)", tomlText(v))
}

// tomlText renders a decoded TOML value roughly as it was written.
func tomlText(v any) string {
	switch v := v.(type) {
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = tomlText(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case string:
		return strconv.Quote(v)
	default:
		return fmt.Sprint(v)
	}
}

// ACLUsers are the [[acl.user]] tables.
type ACLUsers []ACLUser

// UnmarshalTOML decodes the [[acl.user]] tables strictly: each has a
// string name and a string rules, and nothing else.
func (u *ACLUsers) UnmarshalTOML(v any) error {
	tables, ok := arrayOfTables(v)
	if !ok {
		return errors.New("want [[acl.user]] tables with name and rules")
	}
	var out ACLUsers
	for i, t := range tables {
		var user ACLUser
		for k, val := range t {
			s, ok := val.(string)
			switch {
			case k != "name" && k != "rules":
				return fmt.Errorf("user %d: unknown key %q (want name and rules)", i+1, k)
			case !ok:
				return fmt.Errorf("user %d: %s must be a string", i+1, k)
			case k == "name":
				user.Name = s
			default:
				user.Rules = s
			}
		}
		out = append(out, user)
	}
	*u = out
	return nil
}
