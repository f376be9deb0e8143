package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// connectionFlags are the flags of every command that talks to authentik: where it is, the
// token, and TLS. Each falls back on the environment the authentik tools share
// (AUTHENTIK_URL, AUTHENTIK_TOKEN, AUTHENTIK_INSECURE).
type connectionFlags struct {
	url, tokenFile, tokenOnFlag string
	insecure                    bool
}

func (c *connectionFlags) register(f *pflag.FlagSet) {
	f.StringVar(&c.url, "url", "", "authentik base URL, e.g. https://auth.example.com (env AUTHENTIK_URL)")
	f.StringVar(&c.tokenFile, "token-file", "", "file holding the API token (default: env AUTHENTIK_TOKEN)")
	f.BoolVar(&c.insecure, "insecure", false, "skip TLS certificate verification (env AUTHENTIK_INSECURE)")
}

// registerRefusedToken adds the hidden --token flag, accepted only to explain that a token
// must never be typed as a flag value. Call it last, after the command's other flags.
func (c *connectionFlags) registerRefusedToken(f *pflag.FlagSet) {
	f.StringVar(&c.tokenOnFlag, "token", "", "")
	_ = f.MarkHidden("token")
}

// resolve reads the flags, then the environment.
func (c *connectionFlags) resolve(env environment, cmd *cobra.Command) (url, token string, insecure bool, err error) {
	if c.tokenOnFlag != "" {
		return "", "", false, errors.New("--token is not accepted: a token on the command line leaks into shell history and process lists; set AUTHENTIK_TOKEN or use --token-file")
	}
	url = c.url
	if url == "" {
		url = env.getenv("AUTHENTIK_URL")
	}
	if token, err = readToken(c.tokenFile, env.getenv); err != nil {
		return "", "", false, err
	}
	insecure = c.insecure
	if !cmd.Flags().Changed("insecure") {
		if v := env.getenv("AUTHENTIK_INSECURE"); v != "" {
			if insecure, err = strconv.ParseBool(v); err != nil {
				return "", "", false, fmt.Errorf("AUTHENTIK_INSECURE=%q: want true or false", v)
			}
		}
	}
	return url, token, insecure, nil
}
