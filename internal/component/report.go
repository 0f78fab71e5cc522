package component

// Reporter is implemented by operators that keep figures of their own
// beyond keyed state: an asynchronous sink's requests, retries and
// dispatcher. Report is safe to call from any goroutine while the operator
// runs and must not block; it returns a value of the component's own stats
// type, which the engine passes on untouched (engine.Stats.Reports) for
// printers and metrics that know the type.
type Reporter interface{ Report() any }
