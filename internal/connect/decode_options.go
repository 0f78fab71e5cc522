package connect

import "github.com/greenwave/greenwave/internal/component"

// decodeOptions are the options of every source that decodes JSON into a
// declared schema (file, http, tcp), declared once: schema, required,
// timestamp and on_error.
func decodeOptions() []component.Option {
	return []component.Option{
		{Name: "schema", Type: component.Map, Required: true,
			Elem: &component.Option{Type: component.Enum, Enum: kindNames},
			Doc: "Declared fields: field name → kind, as `{ts: time, user: string, duration_ms: int}`. Int fields " +
				"take integral numbers; time fields take RFC 3339 strings or numbers, read as unix milliseconds " +
				"below 1e15 and unix nanoseconds from 1e15 on. Fields get slots in name order."},
		{Name: "required", Type: component.StringList,
			Doc: "Fields that must be present and not null in every record."},
		{Name: "timestamp", Type: component.String,
			Doc: "Time field that holds the event time (sets the event's time); it is then required in every record."},
		{Name: "on_error", Type: component.Enum, Default: onErrorReject, Enum: []string{onErrorReject, onErrorDead},
			Doc: "reject counts and drops a bad record and reports the first few with where it came from (file:line, " +
				"or the client and line of a request or connection); dead_letter sends it to the dead_letter side " +
				"output (fields file, line, error, raw; for network sources file names the client)."},
	}
}

// decodeOption returns one of decodeOptions by name.
func decodeOption(name string) component.Option {
	for _, o := range decodeOptions() {
		if o.Name == name {
			return o
		}
	}
	panic("BUG: no decode option " + name)
}
