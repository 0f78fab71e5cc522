package component

// Claim is an exclusive resource one component instance takes: a file it
// writes, an address it listens on. Two claims of the same Kind and Key
// conflict unless both are Shared; the pipeline loader rejects conflicting
// claims across every file of a run, naming both places.
type Claim struct {
	// Kind names the kind of resource: "file", "listen".
	Kind string
	// Key identifies the resource within its kind, normalised so that two
	// spellings of one resource are equal (an absolute, cleaned path).
	Key string
	// Shared claims may coexist with other Shared claims of the resource
	// (files opened for appending).
	Shared bool
	// Path is the option the claim comes from, where a conflict is
	// reported; Value is that option's value as written.
	Path  Path
	Value string
	// Verb says what the component does with the resource, for messages:
	// `path "x.jsonl" is also written by sink "copy"`.
	Verb string
}
