package authentiktest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/akimport/akimport/importer/authentik"
)

// maxBody is Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
const maxBody = 2621440

// readObject reads a request body as DRF with authentik's JSON parser does. It returns the
// decoded object, or answers the error itself and returns false: 415 for another content
// type (F-A1), 400 for a body that is not JSON or not an object (F-A4). An empty body is
// an empty object, whatever its content type.
func readObject(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeDetail(w, http.StatusBadRequest, "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
		}
		return nil, false // otherwise the client went away
	}
	if len(body) == 0 {
		return map[string]any{}, true
	}
	contentType := r.Header.Get("Content-Type")
	if !isJSONMediaType(contentType) {
		writeDetail(w, http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type \"%s\" in request.", contentType))
		return nil, false
	}
	value, msg := decodeJSON(body)
	if msg != "" {
		writeDetail(w, http.StatusBadRequest, "JSON parse error - "+msg)
		return nil, false
	}
	switch v := value.(type) {
	case map[string]any:
		return v, true
	case nil:
		writeJSON(w, http.StatusBadRequest, fieldErrors{authentik.NonFieldErrors: {msgNoData}})
	default:
		writeJSON(w, http.StatusBadRequest, fieldErrors{authentik.NonFieldErrors: {
			"Invalid data. Expected a dictionary, but got " + pyTypeName(v) + "."}})
	}
	return nil, false
}

// isJSONMediaType is DRF's media-type match against the parser's "application/json":
// parameters ignored, "*" matches either part.
func isJSONMediaType(contentType string) bool {
	full, _, _ := strings.Cut(contentType, ";")
	full = strings.ToLower(strings.TrimSpace(full))
	main, sub, _ := strings.Cut(full, "/")
	return (main == "application" || main == "*") && (sub == "json" || sub == "*")
}

// decodeJSON decodes one JSON value, numbers kept as written. The message of a failure reads
// like orjson's, which authentik's parser reports.
func decodeJSON(body []byte) (any, string) {
	if !utf8.Valid(body) {
		return nil, "str is not valid UTF-8: surrogates not allowed"
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil {
		rest := int(dec.InputOffset())
		for rest < len(body) && strings.IndexByte(" \t\r\n", body[rest]) >= 0 {
			rest++
		}
		if rest < len(body) {
			return nil, "trailing characters at " + position(body, rest)
		}
		return v, ""
	}
	offset := len(body)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		offset = max(int(syntax.Offset)-1, 0)
	}
	if offset >= len(body) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, "unexpected end of data: " + position(body, len(body))
	}
	return nil, "unexpected character: " + position(body, offset)
}

// position is "line L column C (char O)" for a byte offset, as Python's JSON errors say.
func position(body []byte, offset int) string {
	offset = min(offset, len(body))
	before := body[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("line %d column %d (char %d)", line, col, utf8.RuneCount(before))
}
