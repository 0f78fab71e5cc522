package connect

import "github.com/greenwave/greenwave/internal/component"

// Specs returns a fresh copy of every built-in source and sink spec:
// sources generate, file, nexmark, http and tcp; sinks stdout, file,
// blackhole, reply and http.
func Specs() []*component.Spec {
	return []*component.Spec{
		generateSpec(),
		fileSourceSpec(),
		nexmarkSpec(),
		httpSourceSpec(),
		tcpSourceSpec(),
		stdoutSpec(),
		fileSinkSpec(),
		blackholeSpec(),
		replySinkSpec(),
		httpSinkSpec(),
	}
}
