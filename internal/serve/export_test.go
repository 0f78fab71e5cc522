package serve

// NeedRing is needRing, for the package's external tests.
var NeedRing = needRing
