package cli

import "errors"

type validateCmd struct{}

func (validateCmd) Run(g *Globals) error { return errors.New("validate: not available yet") }
