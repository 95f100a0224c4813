// Package keepdeps pins modules that code in progress is about to import, so concurrent
// work does not race on go.mod. Remove once real imports exist.
package keepdeps

import (
	_ "github.com/ProtonMail/go-crypto/openpgp"
	_ "github.com/go-git/go-git/v5"
	_ "golang.org/x/crypto/ssh"
)
