package bolt

import (
	"errors"

	"redpool/backend"
)

// errStreamsTODO: streams are being built on this branch; the stream
// engineer replaces this file.
var errStreamsTODO = errors.New("bolt: streams not built yet")

func (t *tx) XMeta(key []byte) (backend.StreamMeta, bool, error) {
	return backend.StreamMeta{}, false, errStreamsTODO
}
func (t *tx) XSetMeta(key []byte, m backend.StreamMeta) error { return errStreamsTODO }
func (t *tx) XAppend(key []byte, id backend.StreamID, fields [][]byte, newNode bool, cost int64) error {
	return errStreamsTODO
}
func (t *tx) XRange(key []byte, start, end backend.StreamID, rev bool, fn func(id backend.StreamID, fields [][]byte) bool) error {
	return errStreamsTODO
}
func (t *tx) XDelete(key []byte, id backend.StreamID) (bool, error)       { return false, errStreamsTODO }
func (t *tx) XNodes(key []byte, fn func(n backend.StreamNode) bool) error { return errStreamsTODO }
func (t *tx) XTailNode(key []byte) (backend.StreamNode, bool, error) {
	return backend.StreamNode{}, false, errStreamsTODO
}
func (t *tx) XRemoveNode(key []byte, master backend.StreamID) (int64, error) {
	return 0, errStreamsTODO
}
func (t *tx) XGroups(key []byte, fn func(g backend.StreamGroup) bool) error { return errStreamsTODO }
func (t *tx) XGroup(key, name []byte) (backend.StreamGroup, bool, error) {
	return backend.StreamGroup{}, false, errStreamsTODO
}
func (t *tx) XSetGroup(key []byte, g backend.StreamGroup) (bool, error) { return false, errStreamsTODO }
func (t *tx) XDelGroup(key, name []byte) (bool, error)                  { return false, errStreamsTODO }
func (t *tx) XConsumers(key, group []byte, fn func(c backend.StreamConsumer) bool) error {
	return errStreamsTODO
}
func (t *tx) XConsumer(key, group, name []byte) (backend.StreamConsumer, bool, error) {
	return backend.StreamConsumer{}, false, errStreamsTODO
}
func (t *tx) XSetConsumer(key, group []byte, c backend.StreamConsumer) (bool, error) {
	return false, errStreamsTODO
}
func (t *tx) XDelConsumer(key, group, name []byte) (int64, bool, error) {
	return 0, false, errStreamsTODO
}
func (t *tx) XPending(key, group, consumer []byte, start, end backend.StreamID, fn func(p backend.StreamPending) bool) error {
	return errStreamsTODO
}
func (t *tx) XPendingEntry(key, group []byte, id backend.StreamID) (backend.StreamPending, bool, error) {
	return backend.StreamPending{}, false, errStreamsTODO
}
func (t *tx) XSetPending(key, group []byte, p backend.StreamPending) error { return errStreamsTODO }
func (t *tx) XAck(key, group []byte, id backend.StreamID) (bool, error)    { return false, errStreamsTODO }
