package authentiktest

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/akimport/akimport/importer/authentik"
)

// writeJSON answers status with v encoded as authentik's renderer does (compact, F-A5: error
// bodies carry no "code").
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := encodeCompact(&buf, v); err != nil {
		http.Error(w, "authentiktest: cannot encode the answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeDetail answers {"detail": msg}.
func writeDetail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, authentik.Detail{Detail: msg})
}

// djangoServerError is the body of Django's 500 page with DEBUG off.
const djangoServerError = "<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Server Error (500)</title>\n</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n"

// writeServerError answers Django's 500 page (F-U13).
func writeServerError(w http.ResponseWriter) {
	writeText(w, http.StatusInternalServerError, "text/html", djangoServerError)
}

func writeText(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
