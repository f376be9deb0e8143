package importer

// CreateFirstOnly turns off the adaptive request order, for measurements.
func CreateFirstOnly(c *Config) { c.createFirstOnly = true }
