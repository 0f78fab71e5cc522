package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/greenwave/greenwave/internal/admin"
)

// startAdmin starts the admin server when --http asks for it (nil
// otherwise) and says where it listens.
func (c *runCmd) startAdmin(f *admin.Fleet, stderr io.Writer) (*admin.Server, error) {
	if c.HTTP == "" {
		return nil, nil
	}
	srv, err := admin.New(admin.Config{Addr: c.HTTP, TokenFile: c.TokenFile}, f)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, err
	}
	srv.SetReady()
	fmt.Fprintf(stderr, "greenwave: admin server on http://%s/ (console, /api, /metrics, /debug/pprof)\n", srv.Addr())
	return srv, nil
}

// firstDir is the first folder among the run's paths (or the first file's
// folder): where a pipeline given as text resolves its relative paths.
func firstDir(paths []string) string {
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
	}
	if len(paths) > 0 {
		return filepath.Dir(paths[0])
	}
	return "."
}

// watchEvery is how often --watch looks at the folders.
const watchEvery = time.Second

// watchFolders polls the run's folders until stop: a pipeline file added
// or changed (its size or modification time) is applied — validated, then
// added or replacing its tenant — and a file removed removes its tenant.
// Problems are printed and the running version is left as it is.
func watchFolders(paths []string, f *admin.Fleet, stderr io.Writer, stop <-chan struct{}) {
	type stamp struct {
		size int64
		mod  time.Time
	}
	scan := func() map[string]stamp {
		out := map[string]stamp{}
		for _, p := range paths {
			st, err := os.Stat(p)
			if err != nil || !st.IsDir() {
				continue
			}
			for _, pat := range []string{"*.yaml", "*.yml"} {
				m, _ := filepath.Glob(filepath.Join(p, pat))
				for _, file := range m {
					if fi, err := os.Stat(file); err == nil {
						out[file] = stamp{fi.Size(), fi.ModTime()}
					}
				}
			}
		}
		return out
	}
	seen := scan()
	tick := time.NewTicker(watchEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		now := scan()
		var files []string
		for file := range now {
			files = append(files, file)
		}
		sort.Strings(files)
		for _, file := range files {
			if old, ok := seen[file]; ok && old == now[file] {
				continue
			}
			res, err := f.ApplyFile(file)
			if err != nil {
				fmt.Fprintf(stderr, "greenwave: --watch: %s not applied; the running version (if any) is unchanged:\n", file)
				if inv, ok := err.(*admin.InvalidError); ok {
					for _, p := range inv.Problems {
						fmt.Fprintln(stderr, p.Text)
						f.Note("", p.Text)
					}
				} else {
					fmt.Fprintln(stderr, err)
					f.Note("", err.Error())
				}
				continue
			}
			fmt.Fprintf(stderr, "greenwave: --watch: %s: tenant %q %s (version %d)\n", file, res.ID, res.Action, res.Version)
		}
		for file := range seen {
			if _, ok := now[file]; ok {
				continue
			}
			for _, e := range f.Entries() {
				if e.File == file {
					if _, err := f.Remove(e.ID); err != nil {
						fmt.Fprintf(stderr, "greenwave: --watch: %s removed, but tenant %q: %v\n", file, e.ID, err)
					} else {
						fmt.Fprintf(stderr, "greenwave: --watch: %s removed: tenant %q drained and removed\n", file, e.ID)
					}
				}
			}
		}
		seen = now
	}
}

// waitAll returns a channel closed once every tenant the fleet has is
// done, following tenants added, replaced and removed meanwhile.
func waitAll(f *admin.Fleet) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			changed := f.Changed()
			again := false
			for _, t := range f.Tenants() {
				select {
				case <-t.Done():
				case <-changed:
					again = true
				}
				if again {
					break
				}
			}
			if !again {
				select {
				case <-changed:
				default:
					return
				}
			}
		}
	}()
	return done
}
