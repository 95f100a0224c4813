package report

import (
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// ColorEnabled reports whether text output to out should be coloured: out must be an
// *os.File attached to a terminal, NO_COLOR must be unset or empty (https://no-color.org)
// and TERM must not be "dumb". A non-empty FORCE_COLOR turns colour on regardless, even
// through a pipe or with NO_COLOR set, as Node.js does: it is the narrower request, made
// for CI logs that render ANSI but are not terminals. FORCE_COLOR "0" or "false" is
// read as not forcing, since tools following the chalk convention set it that way to
// mean off. getenv is normally os.Getenv; nil means os.Getenv.
func ColorEnabled(out io.Writer, getenv func(string) string) bool {
	if getenv == nil {
		getenv = os.Getenv
	}
	f, ok := out.(*os.File)
	return colorDecision(ok && term.IsTerminal(int(f.Fd())), getenv)
}

// colorDecision is ColorEnabled once the terminal question is answered, split out so the
// environment rules can be tested without a terminal.
func colorDecision(terminal bool, getenv func(string) string) bool {
	if force := getenv("FORCE_COLOR"); force != "" && force != "0" && !strings.EqualFold(force, "false") {
		return true
	}
	return terminal && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// ANSI SGR parameters.
const (
	sgrReset   = "0"
	sgrBold    = "1"
	sgrFaint   = "2"
	sgrRed     = "31"
	sgrGreen   = "32"
	sgrYellow  = "33"
	sgrCyan    = "36"
	sgrBoldRed = "1;31"
)

// labelWidth is the column the text format pads labels to; DRYRUN is the longest.
const labelWidth = 6

// palette colours text when on; off it returns text untouched, so plain output stays
// byte-identical to what it was before colour existed.
type palette bool

func (p palette) paint(sgr, s string) string {
	if !p || s == "" {
		return s
	}
	return "\x1b[" + sgr + "m" + s + "\x1b[" + sgrReset + "m"
}

// label colours a finding label and pads it to labelWidth. The padding goes outside the
// escape sequences, which have no width on screen, so columns line up either way.
func (p palette) label(s string) string {
	sgr := map[string]string{
		"DENY": sgrRed, "WARN": sgrYellow, "PATCH": sgrCyan, "PASS": sgrGreen,
		"ERROR": sgrBoldRed, "DRYRUN": sgrFaint,
	}[s]
	pad := strings.Repeat(" ", max(labelWidth-len(s), 0))
	if sgr == "" {
		return s + pad
	}
	return p.paint(sgr, s) + pad
}
