// Package archtest holds the tests of the tree's shape: which package may import which, and
// what the helper binaries link. It has no code of its own.
package archtest
