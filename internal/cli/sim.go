package cli

import "errors"

type simCmd struct{}

func (simCmd) Run(g *Globals) error { return errors.New("sim: not available yet") }
