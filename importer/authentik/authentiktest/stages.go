package authentiktest

import (
	"crypto/sha1"
	"encoding/hex"
	"net/http"

	"github.com/akimport/akimport/importer/authentik"
)

// listEmailStages is GET /stages/email/ (F-R1), filtered by exact name like F-L1's filters.
func (s *Server) listEmailStages(w http.ResponseWriter, r *http.Request) {
	name := pyStrip(lastValue(r.URL.Query(), "name"))
	stages := []authentik.EmailStage{}
	for _, st := range s.stages {
		if name == "" || st.Name == name {
			stages = append(stages, authentik.EmailStage{PK: st.PK, Name: st.Name})
		}
	}
	n := len(stages)
	writeJSON(w, http.StatusOK, authentik.EmailStageList{
		Pagination: authentik.Pagination{Count: n, Current: 1, TotalPages: 1, StartIndex: min(1, n), EndIndex: n},
		Results:    stages,
	})
}

// stageByPK finds an e-mail stage by its pk.
func (s *Server) stageByPK(pk string) (EmailStage, bool) {
	pk, ok := parsePyUUID(pk)
	if !ok {
		return EmailStage{}, false
	}
	for _, st := range s.stages {
		if st.PK == pk {
			return st, true
		}
	}
	return EmailStage{}, false
}

// NameUUID derives a stable UUID (version 5 layout) from a name, so that aksim's e-mail
// stages keep their UUIDs from run to run.
func NameUUID(name string) string {
	sum := sha1.Sum([]byte("authentiktest:" + name)) //nolint:gosec // an identifier, not a secret
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
