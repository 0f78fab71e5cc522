package scaleout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Owner is one unit's lease as the bucket holds it.
type Owner struct {
	Unit     string
	Owner    string // "" when released or never taken
	Finished bool
	// Checkpoint is the newest checkpoint object ("" when none).
	Checkpoint string
	// Renewed is when the lease was last written.
	Renewed time.Time
}

// Owners reads who holds each unit of a tenant's pipeline, and which
// instances are members of its run, from the lease bucket. It writes
// nothing.
func Owners(ctx context.Context, js jetstream.JetStream, tenant string) (owners []Owner, members []string, err error) {
	kv, err := js.KeyValue(ctx, LeaseBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open the lease bucket %q: %w", LeaseBucket, err)
	}
	lister, err := kv.ListKeysFiltered(ctx, "*."+tenant+".*")
	if err != nil {
		return nil, nil, fmt.Errorf("cannot list the leases of %q: %w", tenant, err)
	}
	for key := range lister.Keys() {
		e, err := kv.Get(ctx, key)
		if err != nil {
			continue
		}
		if name, ok := strings.CutPrefix(key, "member."+tenant+"."); ok {
			members = append(members, name)
			continue
		}
		unit, ok := strings.CutPrefix(key, "lease."+tenant+".")
		if !ok {
			continue
		}
		var v leaseValue
		_ = json.Unmarshal(e.Value(), &v)
		o := Owner{Unit: unit, Owner: v.Owner, Finished: v.Finished, Renewed: e.Created()}
		if len(v.Checkpoints) > 0 {
			o.Checkpoint = v.Checkpoints[0]
		}
		owners = append(owners, o)
	}
	sort.Slice(owners, func(i, j int) bool { return unitLess(owners[i].Unit, owners[j].Unit) })
	sort.Strings(members)
	return owners, members, nil
}

// unitLess orders units by name, partitions by number.
func unitLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
