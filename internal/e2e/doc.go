// Package e2e holds tok's end-to-end tests: they build the real binaries and run them against
// real backends (the file store, gnome-keyring's Secret Service, pass) and real clients.
package e2e
