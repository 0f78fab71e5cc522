package videosessions

// The fixed tables of the video_sessions model. Every string an event
// carries, except the per-session ids, comes from these tables or from the
// customer names made once in New, so emitting an event copies string
// headers and never allocates.

// Event types of the video_sessions profile, indexed by videoEvent.
type videoEvent uint8

const (
	evStart videoEvent = iota
	evHeartbeat
	evBuffering
	evBitrateChange
	evEnd
	videoEventCount
)

var videoEventNames = [videoEventCount]string{"start", "heartbeat", "buffering", "bitrate_change", "end"}

// CDNs, with the share of sessions each serves when a customer's own
// preferred CDN is not used.
var (
	cdnNames   = [...]string{"akamai", "cloudfront", "fastly", "level3"}
	cdnWeights = [len(cdnNames)]int{35, 30, 20, 15}
	// cdnBuffering and cdnStartup scale the buffering probability and the
	// startup time, so analytics by CDN show differences.
	cdnBuffering = [len(cdnNames)]float64{1.0, 1.2, 0.8, 2.5}
	cdnStartup   = [len(cdnNames)]float64{1.0, 1.1, 0.9, 1.5}
)

// Devices: share of sessions, buffering factor, typical startup time (ms)
// and the highest bitrate rung the device plays.
var (
	deviceNames     = [...]string{"roku", "ios", "android", "web", "smart_tv", "xbox"}
	deviceWeights   = [len(deviceNames)]int{15, 22, 20, 25, 12, 6}
	deviceBuffering = [len(deviceNames)]float64{1.0, 0.7, 1.6, 1.0, 2.0, 0.9}
	deviceStartupMs = [len(deviceNames)]float64{1800, 1000, 1300, 800, 2500, 1500}
	deviceMaxRung   = [len(deviceNames)]uint8{10, 9, 8, 9, 10, 10}
)

// comboBuffering makes some CDN × device pairs markedly worse than their
// factors predict: the kind of interaction QoE analytics exists to find.
var comboBuffering = map[[2]int]float64{
	{3, 4}: 2.0, // level3 × smart_tv
	{1, 2}: 1.8, // cloudfront × android
	{0, 0}: 1.5, // akamai × roku
}

// Countries (ISO 3166-1 alpha-2) and their share of sessions when a
// customer's home country is not used.
var (
	countryNames   = [...]string{"US", "GB", "DE", "FR", "BR", "IN", "JP", "CA", "AU", "MX", "ES", "IT", "NL", "KR", "SE", "PL"}
	countryWeights = [len(countryNames)]int{30, 8, 7, 6, 8, 9, 6, 5, 3, 4, 3, 3, 2, 3, 1, 2}
)

// bitrateLadder lists the renditions in kbps; sessions move along it.
var bitrateLadder = [...]int32{235, 375, 560, 750, 1050, 1750, 2350, 3000, 4300, 5800, 8000}

// Model constants. Probabilities are per scheduling step, that is per
// event, so each heartbeat interval sees a geometric number of incidents.
const (
	baseBufferingProb   = 0.02
	bitrateChangeProb   = 0.05
	degradedBitrateProb = 0.3  // bitrate change probability right after a stall
	primaryCDNShare     = 0.5  // share of a customer's sessions on its preferred CDN
	homeCountryShare    = 0.6  // share of a customer's sessions in its home country
	videoCatalog        = 5000 // videos per customer, Zipf-like popularity
	viewersPerSession   = 20   // viewer population per concurrent session slot
	minStallMs          = 200
	maxExtraStallMs     = 8000
	// A viewer waits minPatienceMs plus an exponential time of mean
	// meanExtraPatienceMs for the video to start, and leaves (an end event
	// with no start: an exit before video start) if startup takes longer.
	minPatienceMs       = 2000
	meanExtraPatienceMs = 4000
)

// pickWeighted returns an index drawn with the given weights.
func pickWeighted(r *rng, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := int(r.intn(int64(total)))
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	panic("BUG: pickWeighted ran past its weights")
}

// bufferingMatrix returns the buffering probability per CDN × device.
func bufferingMatrix() (m [len(cdnNames)][len(deviceNames)]float64) {
	for c := range cdnNames {
		for d := range deviceNames {
			p := baseBufferingProb * cdnBuffering[c] * deviceBuffering[d]
			if f, ok := comboBuffering[[2]int{c, d}]; ok {
				p *= f
			}
			m[c][d] = p
		}
	}
	return m
}
