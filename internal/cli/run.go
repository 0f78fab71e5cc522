package cli

import "errors"

type runCmd struct{}

func (runCmd) Run(g *Globals) error { return errors.New("run: not available yet") }
