package e2e

import (
	"os"
	"testing"

	"github.com/tok-dev/tok/internal/testenv"
)

// TestMain removes the binaries testenv.Bin built once the tests are done.
func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
