package engine

import (
	"fmt"
	"slices"
	"time"

	"github.com/greenwave/greenwave/internal/plan"
)

// Tenants come and go while the engine runs: Run adds one, Remove drains
// and drops one, Replace drains one and starts its new version in its
// place. The other tenants are untouched throughout: they keep their
// workers' turns, their rings and their state.

// State is a tenant's life-cycle state as the API shows it.
type State string

// The tenant states.
const (
	StateRunning  State = "running"
	StateStopping State = "stopping"
	StateFinished State = "finished"
	StateFailed   State = "failed"
)

// State returns the tenant's state.
func (t *Tenant) State() State {
	select {
	case <-t.done:
		if t.failed.Load() {
			return StateFailed
		}
		return StateFinished
	default:
	}
	if t.stopping.Load() {
		return StateStopping
	}
	return StateRunning
}

// Version is 1 for a tenant started by Run, and one more than the tenant
// it replaced for one started by Replace.
func (t *Tenant) Version() int { return t.version }

// Tenant returns the tenant of that name (the latest version), or nil.
func (e *Engine) Tenant(name string) *Tenant {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.mu.tenants) - 1; i >= 0; i-- {
		if t := e.mu.tenants[i]; t.Name == name {
			return t
		}
	}
	return nil
}

// Remove stops the tenant gracefully (its sources stop, every edge drains),
// waits up to timeout (0: for ever) for it to finish, and drops it from
// the engine. It reports an error, leaving the tenant stopping, when it
// does not finish in time.
func (e *Engine) Remove(t *Tenant, timeout time.Duration) error {
	t.Stop()
	if err := waitTenant(t, timeout); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.mu.tenants = slices.DeleteFunc(slices.Clip(e.mu.tenants), func(x *Tenant) bool { return x == t })
	e.mu.capped = slices.DeleteFunc(slices.Clip(e.mu.capped), func(x *Tenant) bool { return x == t })
	return nil
}

// Replace drains old losslessly (as Remove) and runs pl, compiled for this
// engine, in its place as the next version. Compile pl first: a plan that
// does not compile must never stop the running version. When old does not
// finish within timeout, nothing is started and old keeps stopping.
func (e *Engine) Replace(old *Tenant, pl *plan.Plan, timeout time.Duration) (*Tenant, error) {
	if pl.Tenant != old.Name {
		return nil, fmt.Errorf("BUG: replacing tenant %q with a plan of %q", old.Name, pl.Tenant)
	}
	if err := e.Remove(old, timeout); err != nil {
		return nil, err
	}
	return e.run(pl, old.version+1)
}

func waitTenant(t *Tenant, timeout time.Duration) error {
	if timeout <= 0 {
		<-t.Done()
		return nil
	}
	tm := time.NewTimer(timeout)
	defer tm.Stop()
	select {
	case <-t.Done():
		return nil
	case <-tm.C:
		return fmt.Errorf("tenant %q did not finish draining within %v", t.Name, timeout)
	}
}
