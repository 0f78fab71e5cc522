package cli

import (
	"errors"
	"fmt"
	"runtime"
)

type planCmd struct {
	Paths   []string `arg:"" name:"path" help:"Pipeline files or folders of them."`
	Dot     bool     `help:"Print Graphviz dot instead of text."`
	Workers int      `help:"Workers to place actors on (0: one per core)."`
}

func (c *planCmd) Run(g *Globals) error {
	if c.Workers < 0 || c.Workers > maxWorkers {
		return &exitError{code: 2, err: fmt.Errorf("--workers must be between 0 (one per core) and %d, got %d", maxWorkers, c.Workers)}
	}
	files, err := pipelineFiles(c.Paths)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	w := c.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	good, all := checkFiles(files, catalog(), w, g.Stderr)
	if !all {
		return &exitError{code: 1, err: errors.New("validation failed")}
	}
	for i, ck := range good {
		if i > 0 {
			g.Stdout.Write([]byte("\n"))
		}
		if c.Dot {
			ck.plan.WriteDot(g.Stdout)
		} else {
			ck.plan.Write(g.Stdout)
		}
	}
	return nil
}
