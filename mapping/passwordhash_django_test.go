package mapping

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/akimport/akimport/internal/djangotest"
)

// TestHashesInDjango asks Django's own check_password (facts F-H2) about every vector: Go's
// and those made now by Django, argon2-cffi, passlib and Werkzeug. What akimport sends must
// verify with the right password and not with a wrong one; a rewritten cell must not verify
// as written (else the rewrite was needless); a refused cell, and the other forms we know of
// it, must not verify at all.
func TestHashesInDjango(t *testing.T) {
	djangotest.Require(t)
	t.Logf("verifier: %s", djangotest.Versions())
	vectors := slices.Clone(goHashVectors())
	made := djangotest.Make(t, vectorPassword)
	for _, name := range slices.Sorted(maps.Keys(made)) {
		cell := made[name]
		want, ok := pythonMade[name]
		if !ok {
			t.Errorf("the verifier made %q, which the test does not expect", name)
			continue
		}
		vectors = append(vectors, hashVector{source: want.source, name: name + " (Python)", cell: cell, want: want.want})
	}
	for name := range pythonMade {
		if _, ok := made[name]; !ok {
			t.Errorf("the verifier did not make %q", name)
		}
	}

	type asked struct{ asWritten, right, wrong, twins int }
	var checks []djangotest.Check
	ask := func(hash, password string) int {
		checks = append(checks, djangotest.Check{Hash: hash, Password: password})
		return len(checks) - 1
	}
	sent := make([]string, len(vectors))
	idx := make([]asked, len(vectors))
	for i, v := range vectors {
		if v.password == "" {
			vectors[i].password = vectorPassword
			v.password = vectorPassword
		}
		got, hash, _, _ := outcomeOf(t, v)
		if got != v.want {
			t.Errorf("%s: akimport %s it, want %s", v.name, got, v.want)
		}
		sent[i] = hash
		idx[i] = asked{right: -1, wrong: -1}
		if hash != "" {
			idx[i].right, idx[i].wrong = ask(hash, v.password), ask(hash, wrongPassword)
		}
		idx[i].asWritten = idx[i].right
		if hash != v.cell { // Django's verdict on the cell itself
			idx[i].asWritten = ask(v.cell, v.password)
		}
		idx[i].twins = len(checks)
		for _, twin := range v.twins {
			ask(twin, v.password)
		}
	}
	verdicts := djangotest.Verify(t, checks)

	summary := map[outcome]int{}
	var failures int
	t.Logf("%-62s | %-20s | %-10s | %s", "format", "Django, as written", "akimport", "Django on what is sent: right / wrong password")
	for i, v := range vectors {
		asWritten, n := verdicts[idx[i].asWritten], idx[i]
		got, _, _, _ := outcomeOf(t, v)
		line := fmt.Sprintf("%-62s | %-20s | %-10s |", v.name, asWritten, got)
		var bad []string
		if n.right >= 0 {
			right, wrong := verdicts[n.right], verdicts[n.wrong]
			line += fmt.Sprintf(" %s / %s", right, wrong)
			if !right.OK || wrong.OK {
				bad = append(bad, "what akimport sends must verify with the right password only")
			}
		}
		if got == rewritten && asWritten.OK {
			bad = append(bad, "Django verifies the cell as written: the rewrite is needless")
		}
		if got == refused && asWritten.OK {
			bad = append(bad, "refused, but Django verifies it as written")
		}
		for k := range v.twins {
			if tv := verdicts[n.twins+k]; tv.OK {
				bad = append(bad, fmt.Sprintf("refused, but Django verifies its twin %d", k+1))
			}
		}
		summary[got]++
		t.Log(line)
		if len(bad) > 0 {
			failures++
			t.Errorf("%s: %s", v.name, strings.Join(bad, "; "))
		}
	}
	t.Logf("Django verdicts: %d formats (%d sent as is, %d rewritten, %d converted, %d refused), %d checks, %d disagree",
		len(vectors), summary[sentAsIs], summary[rewritten], summary[converted], summary[refused], len(checks), failures)
}
