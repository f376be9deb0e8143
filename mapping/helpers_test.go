package mapping

import "github.com/akimport/akimport/importer/authentik"

func newRequest(username, email string) *authentik.UserRequest {
	return &authentik.UserRequest{Username: username, Email: &email}
}
