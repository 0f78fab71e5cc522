package cli

import "errors"

type planCmd struct{}

func (planCmd) Run(g *Globals) error { return errors.New("plan: not available yet") }
