// Package resp implements the RESP2 wire protocol used by Redis clients:
// a Reader that parses client requests (multibulk and inline commands)
// with Redis 7's exact error texts and limits, allocation-free
// append-style reply encoders, and a reply parser for tests and clients.
package resp
