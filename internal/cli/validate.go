package cli

import (
	"errors"
	"fmt"
)

type validateCmd struct {
	Paths []string `arg:"" name:"path" help:"Pipeline files or folders of them."`
	Quiet bool     `short:"q" help:"Print only errors."`
}

func (c *validateCmd) Run(g *Globals) error {
	files, err := pipelineFiles(c.Paths)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	good, all := checkFiles(files, catalog(), 1, g.Stderr)
	if !c.Quiet {
		for _, ck := range good {
			fmt.Fprintf(g.Stdout, "ok   %s (tenant %q: %d components)\n", ck.file, ck.pipeline.Tenant, len(ck.pipeline.Components))
		}
	}
	if !all {
		return &exitError{code: 1, err: errors.New("validation failed")}
	}
	return nil
}
