//go:build !unix

package record

// Lock does nothing where flock is missing.
func Lock(string) (func(), error) { return func() {}, nil }
