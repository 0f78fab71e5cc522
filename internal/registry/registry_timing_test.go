package registry_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/registry"
)

// table registers tenants × types and returns run-time copies of the keys.
func table(b *testing.B, r *registry.Registry, tenants, types int) (keys [][2]string, ids []uint32) {
	for tn := range tenants {
		for ty := range types {
			s, err := r.Register(event.MustSchema(fmt.Sprintf("tenant-%03d", tn), fmt.Sprintf("type-%02d", ty),
				event.Field{Name: "n", Kind: event.Int}))
			if err != nil {
				b.Fatal(err)
			}
			keys = append(keys, [2]string{strings.Clone(s.Tenant), strings.Clone(s.Name)})
			ids = append(ids, s.ID)
		}
	}
	return keys, ids
}

type paddedSink struct {
	v uint64
	_ [120]byte
}

func BenchmarkSchemaParallel(b *testing.B) {
	r := registry.New()
	_, ids := table(b, r, 50, 20)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var sink paddedSink
		i := 0
		for pb.Next() {
			sink.v += uint64(r.Schema(ids[i]).Width())
			if i++; i == len(ids) {
				i = 0
			}
		}
	})
}

func BenchmarkLookupParallel(b *testing.B) {
	r := registry.New()
	keys, _ := table(b, r, 50, 20)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var sink paddedSink
		i := 0
		for pb.Next() {
			sink.v += uint64(r.Lookup(keys[i][0], keys[i][1]).ID)
			if i++; i == len(keys) {
				i = 0
			}
		}
	})
}

// BenchmarkRegister measures the writer's cost at 1000 registered types:
// a new type copies the snapshot; an already registered one does not.
func BenchmarkRegister(b *testing.B) {
	for _, tc := range []struct {
		name string
		new  bool
	}{{"new-type", true}, {"existing", false}} {
		b.Run(tc.name, func(b *testing.B) {
			r := registry.New()
			table(b, r, 50, 20)
			s := event.MustSchema("tenant-000", "type-00", event.Field{Name: "n", Kind: event.Int})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if tc.new {
					if i%100 == 0 { // keep the registry near 1000 types
						b.StopTimer()
						r = registry.New()
						table(b, r, 50, 20)
						b.StartTimer()
					}
					s.Name = fmt.Sprintf("new-%d", i)
				}
				if _, err := r.Register(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
