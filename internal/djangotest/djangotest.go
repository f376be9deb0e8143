// Package djangotest asks Django's own password hashers, through Debian's python3-django and
// a small verifier script, whether hashes verify (facts F-H2), for tests only. Tests skip
// when the packages are missing, unless AKIMPORT_REQUIRE_DJANGO=1 (CI) makes that a failure.
package djangotest

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Python is Debian's interpreter, for which the Debian packages are installed (a pyenv
// python first on PATH would not see them).
const Python = "/usr/bin/python3"

// Packages are the Debian packages the verifier needs.
const Packages = "python3-django python3-argon2 python3-bcrypt python3-passlib python3-werkzeug"

//go:embed verify.py
var script []byte

var (
	once     sync.Once
	scriptAt string
	missing  string
	versions string
)

// Require skips t, or fails it under AKIMPORT_REQUIRE_DJANGO=1, when the verifier cannot run.
func Require(t testing.TB) {
	t.Helper()
	once.Do(setup)
	if missing != "" {
		skip(t, missing)
	}
}

// RequireModules skips t (fails it under AKIMPORT_REQUIRE_DJANGO=1) unless Debian's python3
// imports every module; debs are the Debian packages that bring them.
func RequireModules(t testing.TB, debs string, modules ...string) {
	t.Helper()
	if out, err := exec.Command(Python, "-c", "import "+strings.Join(modules, ", ")).CombinedOutput(); err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		skip(t, fmt.Sprintf("%s cannot import %s (%v: %s): install the Debian packages %s", Python, strings.Join(modules, ", "), err, lines[len(lines)-1], debs))
	}
}

func skip(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("AKIMPORT_REQUIRE_DJANGO") == "1" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// Versions names the Python libraries that answered, for the test log.
func Versions() string { once.Do(setup); return versions }

func setup() {
	// One file per script version, shared by test processes: written aside, then renamed.
	scriptAt = filepath.Join(os.TempDir(), fmt.Sprintf("akimport-verify-%x.py", sha256.Sum256(script)))
	tmp, err := os.CreateTemp(os.TempDir(), "akimport-verify-*.py")
	if err == nil {
		_, err = tmp.Write(script)
		err = errors.Join(err, tmp.Close(), os.Rename(tmp.Name(), scriptAt))
	}
	if err != nil {
		missing = "cannot write the verifier script: " + err.Error()
		return
	}
	out, err := exec.Command(Python, scriptAt, "versions").Output()
	if err != nil {
		missing = fmt.Sprintf("Django's hashers are not available (%s %v): install the Debian packages %s", Python, err, Packages)
		return
	}
	versions = string(out)
}

// Check is one question: does Password verify against Hash?
type Check struct {
	Hash     string `json:"hash"`
	Password string `json:"password"`
}

// Verdict is Django's answer: OK when check_password returned true; Err names the exception
// Django raised instead of answering (the hash does not verify either).
type Verdict struct {
	OK  bool
	Err string
}

func (v Verdict) String() string {
	if v.Err != "" {
		return "raises " + v.Err
	}
	return fmt.Sprint(v.OK)
}

// Verify asks Django's check_password about every check, in one Python process.
func Verify(t testing.TB, checks []Check) []Verdict {
	t.Helper()
	return ask(t, "check", checks, len(checks))
}

// Decode asks whether Django's hasher for each hash decodes it (identify_hasher(h).decode(h)):
// a Verdict with OK, or the exception raised.
func Decode(t testing.TB, hashes []string) []Verdict {
	t.Helper()
	return ask(t, "decode", hashes, len(hashes))
}

// ask sends the n questions of in to the verifier's command and reads its n answers.
func ask(t testing.TB, command string, in any, n int) []Verdict {
	t.Helper()
	Require(t)
	stdin, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var raw []any
	run(t, stdin, &raw, command)
	if len(raw) != n {
		t.Fatalf("the verifier answered %d of %d questions", len(raw), n)
	}
	out := make([]Verdict, n)
	for i, r := range raw {
		switch r := r.(type) {
		case bool:
			out[i].OK = r
		case string:
			out[i].Err = r
		default:
			t.Fatalf("verifier answer %d: %v", i, r)
		}
	}
	return out
}

// Make returns hashes of password made by Django, argon2-cffi, passlib and Werkzeug, by name.
func Make(t testing.TB, password string) map[string]string {
	t.Helper()
	Require(t)
	var made map[string]string
	run(t, nil, &made, "make", password)
	return made
}

func run(t testing.TB, stdin []byte, out any, args ...string) {
	t.Helper()
	cmd := exec.Command(Python, append([]string{scriptAt}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("verifier %s: %v\n%s", args[0], err, stderr.String())
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("verifier %s: %v", args[0], err)
	}
}
