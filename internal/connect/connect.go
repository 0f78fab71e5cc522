package connect

import "github.com/greenwave/greenwave/internal/component"

// Specs returns a fresh copy of every built-in source and sink spec:
// sources generate, file and nexmark; sinks stdout, file, blackhole and
// http.
func Specs() []*component.Spec {
	return []*component.Spec{
		generateSpec(),
		fileSourceSpec(),
		nexmarkSpec(),
		stdoutSpec(),
		fileSinkSpec(),
		blackholeSpec(),
		httpSinkSpec(),
	}
}
