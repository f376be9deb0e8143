package mapping

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// TestCSVCloseEndsReadAhead checks that closing a Reader abandoned early ends its read-ahead
// goroutine even though the goroutine is waiting to hand over rows nobody will take.
func TestCSVCloseEndsReadAhead(t *testing.T) {
	r, err := NewReader(bytes.NewReader(benchCSV()), Options{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatalf("first row: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.src.(*asyncRows).ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the read-ahead goroutine did not end after Close")
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after Close: %v, want io.EOF", err)
	}
}
