package admin

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
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

// isConsoleFile reports a GET or HEAD of the console's page or one of its
// files.
func isConsoleFile(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" {
		return true
	}
	if strings.Contains(name, "/") {
		return false
	}
	st, err := fs.Stat(consoleFiles, "console/"+name)
	return err == nil && !st.IsDir()
}
