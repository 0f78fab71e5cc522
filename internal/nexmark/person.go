package nexmark

// Person is a person who registered on the auction site.
type Person struct {
	ID           int64
	Name         string
	EmailAddress string
	CreditCard   string
	City         string
	State        string
	// DateTime is the registration time in unix nanoseconds.
	DateTime int64
	// Extra pads the person to the configured average size.
	Extra string
}

// creditCardLength is the length of "dddd dddd dddd dddd".
const creditCardLength = 19

// person fills p with the person of event id at time ts (the reference's
// PersonGenerator.nextPerson).
func (g *Generator) person(id, ts int64, r *rng, p *Person) {
	p.ID = g.lastBase0PersonID(id) + FirstPersonID
	p.Name = g.tab.names[r.intn(int64(len(g.tab.names)))]
	p.EmailAddress = g.nextEmail(r)
	p.CreditCard = g.nextCreditCard(r)
	p.City = usCities[r.intn(int64(len(usCities)))]
	p.State = usStates[r.intn(int64(len(usStates)))]
	p.DateTime = ts
	size := 8 + len(p.Name) + len(p.EmailAddress) + len(p.CreditCard) + len(p.City) + len(p.State)
	p.Extra = g.nextExtra(r, size, g.cfg.AvgPersonByteSize)
}

// nextEmail returns "<string of up to 6>@<string of up to 4>.com".
func (g *Generator) nextEmail(r *rng) string {
	start := g.arena.reserve(7 + 1 + 5 + 4)
	b := trimmed(g.arena.buf, r, 7)
	b = append(b, '@')
	b = trimmed(b, r, 5)
	g.arena.buf = append(b, ".com"...)
	return g.arena.str(start)
}

// nextCreditCard returns four random groups of four digits.
func (g *Generator) nextCreditCard(r *rng) string {
	start := g.arena.reserve(creditCardLength)
	b := g.arena.buf
	for i := range 4 {
		if i > 0 {
			b = append(b, ' ')
		}
		v := r.intn(10000)
		b = append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
	}
	g.arena.buf = b
	return g.arena.str(start)
}
