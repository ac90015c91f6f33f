package resp

import "sync"

// A Waiter is an io.Reader that can wait for input without reading it,
// so that a Reader need not hold a buffer while its client is idle.
type Waiter interface {
	// WaitInput returns once input (or the end of it, or an error) is
	// ready for the next Read. A Waiter that cannot tell returns at once.
	WaitInput() error
}

// A BufPool lends Readers the first-size buffer they read a command at a
// time into: a Reader whose io.Reader is a Waiter gives it back while it
// waits for input with its buffer empty, so that an idle client holds no
// read buffer, and takes one again when input arrives. A buffer grown
// for pipelined input is kept (reclaim shrinks it). Safe for concurrent
// use; the zero value is ready, and buffers idle across two collections
// are freed (sync.Pool).
type BufPool struct {
	p sync.Pool // of *[minBufSize]byte
}

// get returns a buffer of minBufSize bytes.
func (p *BufPool) get() []byte {
	if b, ok := p.p.Get().(*[minBufSize]byte); ok {
		return b[:]
	}
	return make([]byte, minBufSize)
}

// put takes back b, of minBufSize bytes, which its Reader no longer uses.
func (p *BufPool) put(b []byte) { p.p.Put((*[minBufSize]byte)(b)) }

// UseBufPool has the Reader borrow its first-size buffer from p and give
// it back while it waits for input with nothing buffered, when its
// io.Reader is a Waiter. Called before the first ReadCommand.
func (r *Reader) UseBufPool(p *BufPool) {
	if _, ok := r.rd.(Waiter); ok {
		r.pool = p
	}
}

// waitIdle waits for input with nothing buffered: the first-size buffer
// goes back to the pool meanwhile and a buffer is borrowed again after,
// unless the wait failed (its caller may drop the Reader: a session that
// parks). It is called by fill, which then reads into the buffer.
func (r *Reader) waitIdle() error {
	if len(r.buf) == minBufSize {
		r.pool.put(r.buf)
		r.buf = nil
	}
	err := r.rd.(Waiter).WaitInput()
	if r.buf == nil && err == nil {
		r.buf = r.pool.get()
	}
	return err
}
