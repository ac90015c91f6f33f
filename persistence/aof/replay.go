package aof

import (
	"bytes"
	"errors"

	"redpool/backend"
	"redpool/command"
)

// engineReplayer replays records through a command engine of its own, with
// no log, so that loading runs the normal command path without logging.
type engineReplayer struct {
	eng    *command.Engine
	client *command.Client
	ctx    *command.Ctx
	// bl is the backend if it can be loaded in bulk (nil otherwise), with
	// its ndb databases.
	bl  backend.BulkLoader
	ndb int
}

// NewReplayer returns a Replayer that runs the log's commands against b
// through the normal command path, with logging off. Time-dependent
// decisions use clock. FUNCTION LOAD records load into fns (nil: a set of
// the replayer's own).
func NewReplayer(b backend.Backend, clock backend.Clock, fns *command.FunctionLibraries) (Replayer, error) {
	eng, err := command.NewEngine(command.Options{Backend: b, Clock: clock, Functions: fns})
	if err != nil {
		return nil, err
	}
	client := eng.NewClient("aof", "aof")
	r := &engineReplayer{eng: eng, client: client, ctx: eng.NewCtx(client, nil), ndb: b.Databases()}
	r.bl, _ = b.(backend.BulkLoader)
	return r, nil
}

// BeginFile implements Replayer. A transaction left open by the file
// before (the last non-empty one, cut back at load) is dropped unrun.
func (r *engineReplayer) BeginFile() {
	if r.client.InMulti() {
		r.eng.Exec(r.ctx, [][]byte{[]byte("DISCARD")})
		r.ctx.Reset()
	}
	r.client.SetDB(0)
}

// Apply implements Replayer. Only writes that can reach the log are
// accepted: a read, a blocking command (logged as its non-blocking form) or
// an admin command in the log means it is not one of ours.
func (r *engineReplayer) Apply(argv [][]byte) error {
	if spec := r.eng.Table().Lookup(argv[0]); spec != nil && !Replayable(spec) {
		return errors.New("'" + spec.Name + "' is not a command the log records")
	}
	r.eng.Exec(r.ctx, argv)
	out := r.ctx.Out()
	var err error
	if len(out) > 0 && out[0] == '-' {
		err = errors.New(string(bytes.TrimSuffix(out[1:], []byte("\r\n"))))
	}
	r.ctx.Reset()
	return err
}

// Replayable reports whether a command may appear in the log: SELECT,
// MULTI and EXEC around a transaction, FUNCTION (LOAD, DELETE, FLUSH,
// RESTORE), the non-blocking writes, and PFCOUNT, read-only to the command
// table but logged, as by Redis, when it caches a cardinality.
func Replayable(s *command.Spec) bool {
	switch s.Name {
	case "select", "multi", "exec", "function", "pfcount":
		return true
	}
	return s.Flags&command.Write != 0 && s.Flags&command.Blocking == 0
}
