package command

import "errors"

// ErrNoConfigFile is what a RewriteFunc returns when the server runs
// without a config file.
var ErrNoConfigFile = errors.New("no config file")

// RewriteFunc writes the running configuration back into the config file
// the server started from (CONFIG REWRITE).
type RewriteFunc func() error

// NotifyEvents returns the current notify-keyspace-events setting.
func (e *Engine) NotifyEvents() NotifyClass { return NotifyClass(e.notify.mask.Load()) }

// OutputLimits returns the current client-output-buffer-limit setting.
func (e *Engine) OutputLimits() OutputLimits { return e.outputLimits.load() }

// configRewrite is CONFIG REWRITE, with Redis's errors.
func configRewrite(c *Ctx) error {
	if c.e.rewrite == nil {
		return ErrNoConfigFileReply
	}
	if err := c.e.rewrite(); err != nil {
		if errors.Is(err, ErrNoConfigFile) {
			return ErrNoConfigFileReply
		}
		c.e.logger.Warn("CONFIG REWRITE failed", "err", err)
		return Error("ERR Rewriting config file: " + sanitize(err.Error()))
	}
	c.e.logger.Info("CONFIG REWRITE executed with success")
	c.OK()
	return nil
}
