package admin

import (
	"embed"
	"io/fs"
	"net/http"
)

// The web console's files, built by web/console/build.mjs from the npm
// packages it bundles (dagre, uPlot) and committed, so that building
// greenwave needs no npm.
//
//go:embed console
var consoleFiles embed.FS

func consoleHandler() http.Handler {
	sub, err := fs.Sub(consoleFiles, "console")
	if err != nil {
		panic("BUG: console assets: " + err.Error())
	}
	return http.FileServerFS(sub)
}
