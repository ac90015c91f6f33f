// Package resp implements the wire protocol used by Redis clients: a
// Reader that parses client requests (multibulk and inline commands) with
// Redis 7's exact error texts and limits, allocation-free append-style
// encoders of RESP2 and RESP3 replies, and a reply parser of both for tests
// and clients. Which encoding a reply gets is the caller's choice (see
// command.Ctx); requests are the same in both protocols.
package resp
