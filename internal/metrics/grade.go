package metrics

// Flink's back-pressure grades over the share of time back-pressured (or
// blocked): ok up to 0.10, low up to 0.5, high above.
const (
	GradeOK   = "ok"
	GradeLow  = "low"
	GradeHigh = "high"
)

// Grade returns Flink's grade of a back-pressured share of time (0..1).
func Grade(ratio float64) string {
	switch {
	case ratio <= 0.10:
		return GradeOK
	case ratio <= 0.5:
		return GradeLow
	}
	return GradeHigh
}
