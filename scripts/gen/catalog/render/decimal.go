package render

import (
	"errors"
	"strings"
)

// Prices in catalog.json are decimal strings because a binary float cannot hold most of them:
// 0.075 has no exact float64, and "0.075 * 1e6" may land on 74999.99999 and truncate to the
// wrong picodollar. Parsing the digits as text keeps every conversion exact, and rejecting
// anything finer than a picodollar means no price is ever silently rounded.

// Scale digits: a Price is picodollars (1e-12 USD). A per-million-token price p is p×1e-6 USD
// per token, i.e. p×1e6 picodollars, so six decimal digits of p survive; a per-unit price
// (per request, per image) keeps all twelve.
const (
	perMillionDigits = 6
	perUnitDigits    = 12
)

var (
	errEmpty     = errors.New("empty")
	errSyntax    = errors.New("not a plain decimal (digits, optionally one '.' and more digits)")
	errPrecision = errors.New("finer than one picodollar per unit")
	errRange     = errors.New("too large")
)

// ParsePrice converts a catalog price in USD per million tokens ("0.15") to picodollars per
// token (150_000), exactly.
func ParsePrice(s string) (int64, error) { return parseDecimal(s, perMillionDigits) }

// ParseUnitPrice converts a catalog price in USD per unit (per request or per image, "0.005")
// to picodollars per unit (5_000_000_000), exactly.
func ParseUnitPrice(s string) (int64, error) { return parseDecimal(s, perUnitDigits) }

// parseDecimal returns s×10^scale as an integer. Signs, exponents, spaces and separators are
// syntax errors: a price in the catalog is never negative and is always written out in full.
func parseDecimal(s string, scale int) (int64, error) {
	if s == "" {
		return 0, errEmpty
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || !digits(whole) || !digits(frac) {
		return 0, errSyntax
	}
	if len(frac) > scale {
		if strings.Trim(frac[scale:], "0") != "" {
			return 0, errPrecision
		}
		frac = frac[:scale]
	}
	const max = 1<<63 - 1
	var v int64
	for _, c := range whole + frac + strings.Repeat("0", scale-len(frac)) {
		d := int64(c - '0')
		if v > (max-d)/10 {
			return 0, errRange
		}
		v = v*10 + d
	}
	return v, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
