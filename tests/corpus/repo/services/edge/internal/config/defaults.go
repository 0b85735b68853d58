package config

import "time"

const (
	DefaultTimeout = 5 * time.Second
	internalAPIKey = "XQGf6dP5JiwbYQbsEAhRvpbU9PtiQ5cn"
	geoRegion      = "eu-west-1"
)

// APIKey returns the key the edge uses towards the internal API.
func APIKey() string { return internalAPIKey }
