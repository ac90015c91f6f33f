package command

import (
	_ "embed"
	"errors"
	"strconv"
)

// Redis's command metadata. COMMAND DOCS (summary, complexity, history,
// the argument tree redis-cli uses for its hints) and COMMAND INFO's ACL
// categories, tips and key specifications are Redis's own documentation of
// its interface; redpool answers them from the replies a real Redis 7.0.15
// gave, embedded as bytes, rather than from a hand-copied table. The
// differential test TestDiffCommandDocs regenerates the file with
// REDPOOL_GEN_DOCS=1 and otherwise checks every command redpool has
// against a live Redis.

// redisCommandDocs is Redis 7.0.15's RESP3 reply to COMMAND DOCS followed
// by its reply to COMMAND INFO.
//
//go:embed cmddocs.resp
var redisCommandDocs []byte

// respNode is a parsed RESP3 reply: kind is its type byte ('%' map, '*'
// array, '~' set, '$' bulk, '+' simple, ':' integer, '_' null); a map's
// kids alternate keys and values.
type respNode struct {
	kind byte
	s    string
	n    int64
	kids []respNode
}

// commandMeta is what Redis says of one command or subcommand.
type commandMeta struct {
	docs respNode // COMMAND DOCS's map for it
	info respNode // COMMAND INFO's ten-element entry; kind 0 if Redis has none
}

// The elements of a COMMAND INFO entry.
const (
	infoFlags      = 2 // a set; then first, last and step
	infoCategories = 6 // a set; then the tips, a set
	infoKeySpecs   = 8 // an array of maps
)

// infoField returns element i of the command's INFO entry (the zero node
// if Redis has no entry for it).
func (m *commandMeta) infoField(i int) respNode {
	if m == nil || m.info.kind == 0 {
		return respNode{}
	}
	return m.info.kids[i]
}

// commandMetas maps full names ("get", "config|get") to their metadata.
type commandMetas map[string]*commandMeta

var errMetaFormat = errors.New("command metadata: bad format")

// parseCommandMetas parses redisCommandDocs.
func parseCommandMetas(data []byte) (commandMetas, error) {
	docs, rest, err := parseRESP3(data, 0)
	if err != nil {
		return nil, err
	}
	info, rest, err := parseRESP3(rest, 0)
	if err != nil {
		return nil, err
	}
	if docs.kind != '%' || info.kind != '*' || len(rest) != 0 {
		return nil, errMetaFormat
	}
	m := make(commandMetas)
	var addDocs func(kids []respNode) error
	addDocs = func(kids []respNode) error {
		for i := 0; i+1 < len(kids); i += 2 {
			name, d := kids[i].s, kids[i+1]
			if d.kind != '%' {
				return errMetaFormat
			}
			m.get(name).docs = d
			if subs, ok := d.field("subcommands"); ok {
				if err := addDocs(subs.kids); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := addDocs(docs.kids); err != nil {
		return nil, err
	}
	var addInfo func(entries []respNode) error
	addInfo = func(entries []respNode) error {
		for _, e := range entries {
			if e.kind != '*' || len(e.kids) != 10 {
				return errMetaFormat
			}
			cm := m.get(e.kids[0].s)
			cm.info = e
			if err := addInfo(e.kids[9].kids); err != nil {
				return err
			}
		}
		return nil
	}
	if err := addInfo(info.kids); err != nil {
		return nil, err
	}
	return m, nil
}

func (m commandMetas) get(name string) *commandMeta {
	cm := m[name]
	if cm == nil {
		cm = &commandMeta{}
		m[name] = cm
	}
	return cm
}

// field returns the value of a map node's key.
func (n respNode) field(key string) (respNode, bool) {
	if n.kind != '%' {
		return respNode{}, false
	}
	for i := 0; i+1 < len(n.kids); i += 2 {
		if n.kids[i].s == key {
			return n.kids[i+1], true
		}
	}
	return respNode{}, false
}

// maxMetaDepth bounds the nesting parseRESP3 accepts.
const maxMetaDepth = 32

// parseRESP3 parses one RESP3 reply of the types the metadata uses.
func parseRESP3(b []byte, depth int) (respNode, []byte, error) {
	if depth > maxMetaDepth || len(b) == 0 {
		return respNode{}, nil, errMetaFormat
	}
	end := -1
	for i := 1; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			end = i
			break
		}
	}
	if end < 0 {
		return respNode{}, nil, errMetaFormat
	}
	n := respNode{kind: b[0]}
	line, rest := string(b[1:end]), b[end+2:]
	switch n.kind {
	case '+':
		n.s = line
		return n, rest, nil
	case '_':
		return n, rest, nil
	case ':':
		v, err := strconv.ParseInt(line, 10, 64)
		n.n = v
		return n, rest, err
	case '$':
		l, err := strconv.Atoi(line)
		if err != nil || l < 0 || l+2 > len(rest) {
			return n, nil, errMetaFormat
		}
		n.s = string(rest[:l])
		return n, rest[l+2:], nil
	case '*', '~', '%':
		l, err := strconv.Atoi(line)
		if err != nil || l < 0 || l > len(rest) {
			return n, nil, errMetaFormat
		}
		if n.kind == '%' {
			l *= 2
		}
		n.kids = make([]respNode, l)
		for i := range n.kids {
			if n.kids[i], rest, err = parseRESP3(rest, depth+1); err != nil {
				return n, nil, err
			}
		}
		return n, rest, nil
	}
	return n, nil, errMetaFormat
}

// writeNode writes n as a reply: maps, sets and nulls take RESP2's forms
// on a RESP2 connection, as Redis's own replies do.
func (c *Ctx) writeNode(n respNode) {
	switch n.kind {
	case '+':
		c.Simple(n.s)
	case ':':
		c.Int(n.n)
	case '$':
		c.BulkString(n.s)
	case '_':
		c.Null()
	case '*':
		c.Array(len(n.kids))
	case '~':
		c.Set(len(n.kids))
	case '%':
		c.Map(len(n.kids) / 2)
	}
	for _, k := range n.kids {
		c.writeNode(k)
	}
}

// meta returns the metadata of s ("container|sub" for a subcommand), or
// nil when Redis has none for it.
func (e *Engine) meta(s *Spec) *commandMeta {
	return e.metas()[s.FullName()]
}
