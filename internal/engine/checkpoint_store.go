package engine

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A checkpoint is one file, <state dir>/<tenant>/checkpoint-<id>.gwck:
//
//	"GWCK" version(1) manifest length(4) manifest (JSON)
//	the entries' bytes, one after another
//	crc32c of everything above (4) "KCWG"
//
// The version is 2 when the checkpoint holds in-flight input (an unaligned
// one: entries marked inflight), 1 otherwise.
//
// It is written to a temporary name in the same directory, synced, renamed
// into place and the directory synced, so a crash leaves either the whole
// file or none; the checksum catches a file damaged since. The newest
// files are kept (keepCheckpoints); older ones are removed once a newer one
// is in place.
const (
	checkpointMagic   = "GWCK"
	checkpointTrailer = "KCWG"
	checkpointVersion = 1
	// inflightVersion marks a file with in-flight input (an unaligned
	// checkpoint), which a reader of version 1 only would take for state.
	inflightVersion  = 2
	checkpointSuffix = ".gwck"
	keepCheckpoints  = 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CheckpointStore keeps one tenant's checkpoints somewhere other than the
// state directory, such as the object store of a log that several
// instances share. The engine encodes each checkpoint (manifest, states
// and checksum, as in a file) and checks what it reads back; the store
// keeps bytes.
type CheckpointStore interface {
	// Save keeps checkpoint id durably before it returns; only then are
	// the tenant's Committers told. An error counts the checkpoint as
	// failed (the previous one stays the one to restore) and is logged.
	// It is called from the engine's checkpoint goroutine, one checkpoint
	// at a time, and may block on I/O.
	Save(id uint64, data []byte) error
	// Load returns the stored checkpoints, newest first (none: nil); a
	// restore uses the first that reads back whole. An error (the store
	// cannot be read) keeps the tenant from starting: starting empty
	// would redo what the checkpoint holds.
	Load() ([][]byte, error)
}

// manifest describes a checkpoint file.
type manifest struct {
	Tenant string    `json:"tenant"`
	ID     uint64    `json:"id"`
	Time   time.Time `json:"time"`
	// Finished is set on the checkpoint a tenant writes when it has
	// finished: nothing is left to run.
	Finished bool `json:"finished,omitempty"`
	// Entries are the instances' states, in file order.
	Entries []entry `json:"entries"`
}

// entry is one instance's state: the component, its instance, the
// fingerprint of what makes its state compatible, and where its bytes are.
type entry struct {
	Node        string `json:"node"`
	Instance    int    `json:"instance"`
	Fingerprint string `json:"fingerprint"`
	// Finished marks an actor that had finished: it restarts finished.
	Finished bool `json:"finished,omitempty"`
	// Inflight marks the input an unaligned snapshot recorded as in flight
	// into the instance (unaligned.go), beside the instance's state.
	Inflight bool  `json:"inflight,omitempty"`
	Offset   int64 `json:"offset"`
	Length   int64 `json:"length"`
	data     []byte
}

// checkpoint is a checkpoint in memory, as written or as read back.
type checkpoint struct {
	manifest
	// byKey finds an entry by node and instance.
	byKey map[string]*entry
}

func entryKey(node string, instance int) string { return node + "#" + strconv.Itoa(instance) }

func (c *checkpoint) index() {
	c.byKey = make(map[string]*entry, len(c.Entries))
	for i := range c.Entries {
		e := &c.Entries[i]
		k := entryKey(e.Node, e.Instance)
		if e.Inflight {
			k += inflightKey
		}
		c.byKey[k] = e
	}
}

// inflightKey tells an in-flight entry's key from its instance's.
const inflightKey = "#inflight"

func (c *checkpoint) lookup(node string, instance int) *entry {
	return c.byKey[entryKey(node, instance)]
}

// lookupInflight finds the in-flight input recorded for an instance.
func (c *checkpoint) lookupInflight(node string, instance int) *entry {
	return c.byKey[entryKey(node, instance)+inflightKey]
}

// inflightBytes is the bytes of in-flight input the checkpoint holds.
func (c *checkpoint) inflightBytes() int64 {
	var n int64
	for _, e := range c.Entries {
		if e.Inflight {
			n += int64(len(e.data))
		}
	}
	return n
}

// size is the bytes of state the checkpoint holds.
func (c *checkpoint) size() int64 {
	var n int64
	for _, e := range c.Entries {
		n += int64(len(e.data))
	}
	return n
}

// encode lays the checkpoint out as its file's bytes.
func (c *checkpoint) encode() ([]byte, error) {
	var off int64
	for i := range c.Entries {
		c.Entries[i].Offset, c.Entries[i].Length = off, int64(len(c.Entries[i].data))
		off += int64(len(c.Entries[i].data))
	}
	m, err := json.Marshal(c.manifest)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 9+len(m)+int(off)+8)
	b = append(b, checkpointMagic...)
	version := byte(checkpointVersion)
	for _, e := range c.Entries {
		if e.Inflight {
			version = inflightVersion
		}
	}
	b = append(b, version)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m)))
	b = append(b, m...)
	for _, e := range c.Entries {
		b = append(b, e.data...)
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	return append(b, checkpointTrailer...), nil
}

// decodeCheckpoint parses a checkpoint file's bytes, checking its checksum.
func decodeCheckpoint(b []byte) (*checkpoint, error) {
	if len(b) < 4+1+4+8 || string(b[:4]) != checkpointMagic {
		return nil, errors.New("not a checkpoint file")
	}
	if string(b[len(b)-4:]) != checkpointTrailer {
		return nil, errors.New("truncated (no trailer)")
	}
	body := b[:len(b)-8]
	if got, want := crc32.Checksum(body, castagnoli), binary.LittleEndian.Uint32(b[len(b)-8:]); got != want {
		return nil, fmt.Errorf("checksum mismatch (%08x, want %08x)", got, want)
	}
	if v := b[4]; v != checkpointVersion && v != inflightVersion {
		return nil, fmt.Errorf("version %d, this greenwave reads %d and %d", v, checkpointVersion, inflightVersion)
	}
	mlen := int(binary.LittleEndian.Uint32(b[5:9]))
	if 9+mlen > len(body) {
		return nil, errors.New("manifest runs past the end")
	}
	c := &checkpoint{}
	if err := json.Unmarshal(b[9:9+mlen], &c.manifest); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	data := body[9+mlen:]
	for i := range c.Entries {
		e := &c.Entries[i]
		if e.Offset < 0 || e.Length < 0 || e.Offset+e.Length > int64(len(data)) {
			return nil, fmt.Errorf("entry %s#%d lies outside the file", e.Node, e.Instance)
		}
		e.data = data[e.Offset : e.Offset+e.Length]
	}
	c.index()
	return c, nil
}

// tenantDir is where a tenant's checkpoints live.
func tenantDir(stateDir, tenant string) string { return filepath.Join(stateDir, tenant) }

func checkpointName(id uint64) string {
	return fmt.Sprintf("checkpoint-%020d%s", id, checkpointSuffix)
}

// writeCheckpoint writes c durably (temporary file, sync, rename, sync of
// the directory) and removes all but the newest keepCheckpoints files.
func writeCheckpoint(stateDir string, c *checkpoint) (int64, error) {
	dir := tenantDir(stateDir, c.Tenant)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("cannot create %q: %w", dir, err)
	}
	b, err := c.encode()
	if err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(dir, ".checkpoint-*.tmp")
	if err != nil {
		return 0, fmt.Errorf("cannot create a checkpoint in %q: %w", dir, err)
	}
	_, werr := tmp.Write(b)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("cannot write checkpoint %d: %w", c.ID, err)
	}
	final := filepath.Join(dir, checkpointName(c.ID))
	if err := os.Rename(tmp.Name(), final); err != nil {
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("cannot put checkpoint %d in place: %w", c.ID, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	retire(dir)
	return int64(len(b)), nil
}

// checkpointFiles lists a tenant's checkpoint files, newest first.
func checkpointFiles(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); strings.HasPrefix(n, "checkpoint-") && strings.HasSuffix(n, checkpointSuffix) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	slices.Reverse(names)
	return names
}

// retire removes all but the newest keepCheckpoints checkpoint files, and
// temporary files a crash left behind.
func retire(dir string) {
	names := checkpointFiles(dir)
	for _, n := range names[min(keepCheckpoints, len(names)):] {
		os.Remove(filepath.Join(dir, n))
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".checkpoint-*.tmp")); len(tmps) > 0 {
		for _, t := range tmps {
			if st, err := os.Stat(t); err == nil && time.Since(st.ModTime()) > time.Minute {
				os.Remove(t)
			}
		}
	}
}

// loadStored returns the newest of a store's checkpoints that reads back
// whole, as loadCheckpoint does for files.
func loadStored(store CheckpointStore, tenant string) (c *checkpoint, skipped []string, err error) {
	all, err := store.Load()
	if err != nil {
		return nil, nil, fmt.Errorf("cannot load the checkpoint of tenant %q: %w", tenant, err)
	}
	for i, b := range all {
		c, err := decodeCheckpoint(b)
		if err == nil && c.Tenant != tenant {
			err = fmt.Errorf("written for tenant %q", c.Tenant)
		}
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("stored checkpoint %d (newest first): %v", i+1, err))
			continue
		}
		return c, skipped, nil
	}
	return nil, skipped, nil
}

// loadCheckpoint returns the tenant's newest checkpoint that reads back
// whole, or nil when it has none. skipped says, for each newer file that
// could not be used, why.
func loadCheckpoint(stateDir, tenant string) (c *checkpoint, skipped []string) {
	dir := tenantDir(stateDir, tenant)
	for _, n := range checkpointFiles(dir) {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err == nil {
			if c, err = decodeCheckpoint(b); err == nil && c.Tenant != tenant {
				err = fmt.Errorf("written for tenant %q", c.Tenant)
			}
		}
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: %v", filepath.Join(dir, n), err))
			continue
		}
		return c, skipped
	}
	return nil, skipped
}
