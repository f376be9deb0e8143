package main

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// connectionFlags are the flags of every command that talks to authentik. Each falls back on
// the environment the authentik tools share (AUTHENTIK_URL, AUTHENTIK_TOKEN, AUTHENTIK_INSECURE).
type connectionFlags struct {
	url, tokenFile, tokenOnFlag string
	insecure                    bool
}

func (c *connectionFlags) register(f *pflag.FlagSet) {
	f.StringVar(&c.url, "url", "", "authentik base URL, e.g. https://auth.example.com (env AUTHENTIK_URL)")
	f.StringVar(&c.tokenFile, "token-file", "", "file holding the API token (default: env AUTHENTIK_TOKEN)")
	f.BoolVar(&c.insecure, "insecure", false, "skip TLS certificate verification (env AUTHENTIK_INSECURE)")
	group(f, "connection", []string{"url", "token-file", "insecure"})
	f.StringVar(&c.tokenOnFlag, "token", "", "") // hidden: only to explain why a token is no flag value
	_ = f.MarkHidden("token")
}

// resolve reads the flags, then the environment, and refuses an output ({flag, path}) that
// is the token file: writing it would move the token aside or overwrite it.
func (c *connectionFlags) resolve(env environment, cmd *cobra.Command, outputs ...[2]string) (url, token string, insecure bool, err error) {
	if c.tokenOnFlag != "" {
		return "", "", false, errors.New("--token is not accepted: a token on the command line leaks into shell history and process lists; set AUTHENTIK_TOKEN or use --token-file")
	}
	if token, err = readToken(c.tokenFile, env.getenv); err != nil {
		return "", "", false, err
	}
	insecure = c.insecure
	if v := env.getenv("AUTHENTIK_INSECURE"); v != "" && !cmd.Flags().Changed("insecure") {
		if insecure, err = strconv.ParseBool(v); err != nil {
			return "", "", false, fmt.Errorf("AUTHENTIK_INSECURE=%q: want true or false", v)
		}
	}
	for _, o := range outputs {
		if c.outputIsTokenFile(o) {
			return "", "", false, fmt.Errorf("%s is the --token-file: writing it would destroy the token; choose another path", o[0])
		}
	}
	return cmp.Or(c.url, unquote(env.getenv("AUTHENTIK_URL"))), token, insecure, nil
}

// outputIsTokenFile reports whether one of the outputs ({flag, path}) is the token file.
func (c *connectionFlags) outputIsTokenFile(outputs ...[2]string) bool {
	tokenFile, err := os.Stat(c.tokenFile)
	if c.tokenFile == "" || err != nil {
		return false
	}
	for _, o := range outputs {
		if out, err := os.Stat(o[1]); o[1] != "-" && err == nil && os.SameFile(tokenFile, out) {
			return true
		}
	}
	return false
}

// unquote drops the quotes that docker --env-file and systemd keep around a value, and a
// byte order mark that Windows editors put in front of a file.
func unquote(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// readToken takes the token from --token-file, else from AUTHENTIK_TOKEN. An argument that is
// not a file is never shown: it may be the token itself.
func readToken(path string, getenv func(string) string) (string, error) {
	source, token := "AUTHENTIK_TOKEN", unquote(getenv("AUTHENTIK_TOKEN"))
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", errors.New("--token-file: no such file (the argument is not shown in case it is a token)")
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		if source, token = "--token-file "+path, unquote(string(b)); token == "" {
			return "", fmt.Errorf("%s is empty", source)
		}
	}
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		return "", fmt.Errorf(`%s starts with "Bearer ": give the token alone (akimport sends "Bearer " itself)`, source)
	}
	return token, nil
}
