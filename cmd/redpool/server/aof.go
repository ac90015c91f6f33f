package server

import (
	"errors"
	"log/slog"

	"redpool/backend"
	"redpool/cmd/redpool/config"
)

func openAOF(cfg config.Config, b backend.Backend, clock backend.Clock, logger *slog.Logger) (persistence, error) {
	return nil, errors.New(`persistence.mode = "aof" is not available yet; use "none"`)
}
