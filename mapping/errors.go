package mapping

import (
	"errors"
	"fmt"
)

// ErrInput marks an error in the input's header or in the mapping file: nothing can be
// imported until the user fixes the file (the importer exits with code 2). Test with errors.Is.
var ErrInput = errors.New("bad input")

// inputError is an ErrInput whose message stands alone (no "bad input:" prefix).
type inputError struct{ msg string }

func (e *inputError) Error() string        { return e.msg }
func (e *inputError) Is(target error) bool { return target == ErrInput }

func inputErrorf(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}
