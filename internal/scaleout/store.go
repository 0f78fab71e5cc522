package scaleout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Store keeps one unit's checkpoints in the object store (an
// engine.CheckpointStore). Save writes the object, then records it in the
// unit's lease with a compare-and-set: an instance that lost the lease
// cannot record a checkpoint, and the object it wrote is removed. The
// lease keeps the two newest; older objects are removed.
type Store struct {
	g     *group
	u     *unit
	names []string // the checkpoints the unit started with, newest first
}

// storeTimeout bounds one object store request.
const storeTimeout = 30 * time.Second

// Save stores checkpoint id of the unit.
func (s *Store) Save(id uint64, data []byte) error {
	ctx, cancel := context.WithTimeout(s.g.r.life, storeTimeout)
	defer cancel()
	name := fmt.Sprintf("%s/%s-%020d", s.u.Name, s.g.r.incarnation, id)
	if _, err := s.g.r.obs.PutBytes(ctx, name, data); err != nil {
		return fmt.Errorf("cannot store %q: %w", name, err)
	}
	var dropped []string
	err := s.g.write(ctx, s.u, func(v *leaseValue) {
		keep := append([]string{name}, v.Checkpoints...)
		if len(keep) > 2 {
			dropped = keep[2:]
			keep = keep[:2]
		}
		v.Checkpoints = keep
	})
	if err != nil {
		_ = s.g.r.obs.Delete(ctx, name)
		return fmt.Errorf("cannot record checkpoint %q in the lease of %s: %w", name, s.u.Name, err)
	}
	for _, d := range dropped {
		if err := s.g.r.obs.Delete(ctx, d); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
			s.g.r.logf("cannot remove old checkpoint %q: %v", d, err)
		}
	}
	return nil
}

// Load reads the checkpoints the unit's lease named when it was taken,
// newest first; one that is gone is skipped. It runs on the group's loop
// (starting the unit), so stopping the group cancels it.
func (s *Store) Load() ([][]byte, error) {
	parent := s.g.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, storeTimeout)
	defer cancel()
	var out [][]byte
	for _, name := range slices.Clone(s.names) {
		b, err := s.g.r.obs.GetBytes(ctx, name)
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			s.g.r.logf("%s: checkpoint %q is gone; trying an older one", s.u.Name, name)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read checkpoint %q: %w", name, err)
		}
		out = append(out, b)
	}
	return out, nil
}
