package ops

// timed is an entry of a minHeap, due at due().
type timed interface{ due() int64 }

// minHeap is a binary min-heap ordered by due(), typed so that pushing and
// popping box nothing. The zero value is empty; it is owned by one
// operator.
type minHeap[T timed] []T

func (h *minHeap[T]) push(x T) {
	*h = append(*h, x)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p].due() <= s[i].due() {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

// pop removes and returns the entry due first; the heap must not be empty.
func (h *minHeap[T]) pop() T {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && s[c+1].due() < s[c].due() {
			c++
		}
		if s[i].due() <= s[c].due() {
			break
		}
		s[i], s[c] = s[c], s[i]
		i = c
	}
	*h = s
	return top
}
