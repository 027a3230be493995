package conformance_test

import (
	"testing"

	"github.com/switchyard-router/switchyard/core/conformance"
)

// TestNative runs the shared corpus in-process. go test ./core/conformance -update
// rewrites the expected outputs.
func TestNative(t *testing.T) {
	conformance.Run(t, conformance.Dir("../testdata/vectors"), conformance.Native{})
}
