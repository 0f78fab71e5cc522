package connect

import "github.com/greenwave/greenwave/internal/component"

// Specs returns a fresh copy of every built-in source and sink spec:
// sources generate, file, nexmark, http, tcp and jetstream; sinks stdout,
// file, blackhole, reply, http and jetstream. The jetstream components of
// these specs can be validated and documented but not run: a run builds
// them with SpecsFor.
func Specs() []*component.Spec { return SpecsFor(nil) }

// SpecsFor returns the built-in specs with n as the NATS side of the
// jetstream components.
func SpecsFor(n *NATS) []*component.Spec {
	return []*component.Spec{
		generateSpec(),
		fileSourceSpec(),
		nexmarkSpec(),
		httpSourceSpec(),
		tcpSourceSpec(),
		jetstreamSourceSpec(n),
		stdoutSpec(),
		fileSinkSpec(),
		blackholeSpec(),
		replySinkSpec(),
		httpSinkSpec(),
		jetstreamSinkSpec(n),
	}
}
