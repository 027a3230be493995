package tls

import (
	"context"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"net"
	"testing"
)

// TestSubsetOfCryptoTLS holds the stand-in to the real package's API: everything it
// exports is declared by crypto/tls too, with the same type, value, fields and methods, so
// net/http compiled against it is net/http compiled against crypto/tls minus what it never
// names. A new Go release that changes one of these fails here, not in a Worker.
func TestSubsetOfCryptoTLS(t *testing.T) {
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "source", nil)
	real, err := imp.Import("crypto/tls")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(fset, "tls.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	stub, err := (&types.Config{Importer: imp}).Check("crypto/tls", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range stub.Scope().Names() {
		obj := stub.Scope().Lookup(name)
		if !obj.Exported() {
			continue
		}
		want := real.Scope().Lookup(name)
		if want == nil {
			t.Errorf("%s: crypto/tls has no such name", name)
			continue
		}
		for _, e := range differences(obj, want) {
			t.Errorf("%s: %s", name, e)
		}
	}
}

// qualified prints types as source names them (tls.Config, net.Conn), so that a type of
// the stand-in and the same type of crypto/tls print alike.
func qualified(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string { return p.Name() })
}

func differences(got, want types.Object) []string {
	if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) {
		return []string{fmt.Sprintf("a %T here, a %T in crypto/tls", got, want)}
	}
	var diffs []string
	if g, w := qualified(got.Type()), qualified(want.Type()); g != w {
		diffs = append(diffs, fmt.Sprintf("type %s here, %s in crypto/tls", g, w))
	}
	switch got := got.(type) {
	case *types.Const:
		if w := want.(*types.Const).Val(); got.Val().ExactString() != w.ExactString() {
			diffs = append(diffs, fmt.Sprintf("value %s here, %s in crypto/tls", got.Val(), w))
		}
	case *types.TypeName:
		diffs = append(diffs, fieldDifferences(got.Type(), want.Type())...)
		for _, ptr := range []bool{false, true} {
			diffs = append(diffs, methodDifferences(got.Type(), want.Type(), ptr)...)
		}
	}
	return diffs
}

func fieldDifferences(got, want types.Type) []string {
	g, ok := got.Underlying().(*types.Struct)
	if !ok {
		return []string{"not a struct here"}
	}
	w, ok := want.Underlying().(*types.Struct)
	if !ok {
		return []string{"not a struct in crypto/tls"}
	}
	fields := map[string]string{}
	for i := range w.NumFields() {
		fields[w.Field(i).Name()] = qualified(w.Field(i).Type())
	}
	var diffs []string
	for i := range g.NumFields() {
		f := g.Field(i)
		if !f.Exported() {
			continue
		}
		if wt, ok := fields[f.Name()]; !ok {
			diffs = append(diffs, fmt.Sprintf("field %s: crypto/tls has none", f.Name()))
		} else if gt := qualified(f.Type()); gt != wt {
			diffs = append(diffs, fmt.Sprintf("field %s: %s here, %s in crypto/tls", f.Name(), gt, wt))
		}
	}
	return diffs
}

// methodDifferences compares the method sets of T (ptr false) or *T (ptr true): a method
// on a value receiver here must be one there too.
func methodDifferences(got, want types.Type, ptr bool) []string {
	if ptr {
		got, want = types.NewPointer(got), types.NewPointer(want)
	}
	g, w := types.NewMethodSet(got), types.NewMethodSet(want)
	var diffs []string
	for i := range g.Len() {
		m := g.At(i).Obj()
		if !m.Exported() {
			continue
		}
		sel := w.Lookup(nil, m.Name()) // exported: no package needed
		switch {
		case sel == nil:
			diffs = append(diffs, fmt.Sprintf("method %s on %s: crypto/tls has none", m.Name(), qualified(got)))
		case qualified(m.Type()) != qualified(sel.Obj().Type()):
			diffs = append(diffs, fmt.Sprintf("method %s: %s here, %s in crypto/tls", m.Name(), qualified(m.Type()), qualified(sel.Obj().Type())))
		}
	}
	return diffs
}

// TestNothingSpeaksTLS: whatever would handshake or carry TLS bytes fails, so a Worker
// that somehow reached it errs instead of talking plaintext.
func TestNothingSpeaksTLS(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	c := Client(a, &Config{})
	defer c.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, errDial := (&Dialer{}).DialContext(context.Background(), "tcp", ln.Addr().String())
	_, errAccept := NewListener(ln, &Config{}).Accept()
	_, errRead := c.Read(make([]byte, 1))
	_, errWrite := c.Write([]byte("x"))
	_, errLoad := LoadX509KeyPair("cert.pem", "key.pem")
	for name, err := range map[string]error{
		"HandshakeContext":      c.HandshakeContext(context.Background()),
		"Read":                  errRead,
		"Write":                 errWrite,
		"Dialer.DialContext":    errDial,
		"NewListener(…).Accept": errAccept,
		"LoadX509KeyPair":       errLoad,
	} {
		if err != errNoTLS {
			t.Errorf("%s: %v, want %v", name, err, errNoTLS)
		}
	}
}
