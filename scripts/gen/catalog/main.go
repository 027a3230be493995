// Command catalog generates core/catalog/zz_generated.go from core/catalog/catalog.json:
//
//	go generate ./core/catalog
//
// which runs, from core/catalog,
//
//	go run ../../scripts/gen/catalog -in catalog.json -out zz_generated.go
//
// The JSON is the reviewed source of truth (real published prices as decimal strings); the
// output is Go literals so the router parses nothing at start-up. All the work is in package
// render, which core/catalog's tests also call to check the output is up to date.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/switchyard-router/switchyard/scripts/gen/catalog/render"
)

func main() {
	in := flag.String("in", "catalog.json", "catalog source `file`")
	out := flag.String("out", "zz_generated.go", "generated Go `file`")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen/catalog:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	src, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	code, err := render.Generate(src)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	return os.WriteFile(out, code, 0o644)
}
