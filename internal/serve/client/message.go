package client

import (
	"encoding/json"
	"fmt"
)

// Message is one protocol message, decoded. Key, Row and the rows of a
// snapshot keep their exact text, which the table checksum covers.
type Message struct {
	Type      string          `json:"type"`
	Seq       uint64          `json:"seq"`
	Op        string          `json:"op,omitempty"`
	Key       json.RawMessage `json:"key,omitempty"`
	Row       json.RawMessage `json:"row,omitempty"`
	Rows      []Entry         `json:"rows,omitempty"`
	Deltas    []Delta         `json:"deltas,omitempty"`
	Checksum  string          `json:"checksum,omitempty"`
	Session   string          `json:"session,omitempty"`
	From      uint64          `json:"from,omitempty"`
	To        uint64          `json:"to,omitempty"`
	Watermark *string         `json:"watermark,omitempty"`
	Error     string          `json:"error,omitempty"`
}

// Entry is one row of a snapshot.
type Entry struct {
	Key json.RawMessage `json:"key"`
	Row json.RawMessage `json:"row"`
}

// Delta is one change of a frame: an upsert (Row set) or a delete.
type Delta struct {
	Seq uint64          `json:"seq"`
	Op  string          `json:"op"`
	Key json.RawMessage `json:"key"`
	Row json.RawMessage `json:"row,omitempty"`
}

// Decode decodes one message.
func Decode(b []byte) (*Message, error) {
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("bad message %.64q: %w", b, err)
	}
	if m.Type == "" {
		return nil, fmt.Errorf("bad message %.64q: no type", b)
	}
	return &m, nil
}
