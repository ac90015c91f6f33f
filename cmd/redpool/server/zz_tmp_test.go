package server_test

import "testing"

func TestZZTmp(t *testing.T) { diffScript(t, script("RPUSH l a", "LGET l")) }
