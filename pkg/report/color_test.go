package report

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestColorEnabled(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()

	for _, tc := range []struct {
		name string
		out  io.Writer
		env  map[string]string
		want bool
	}{
		{"pipe", w, nil, false},
		{"pipe with TERM set", w, map[string]string{"TERM": "xterm-256color"}, false},
		// A character device, but not a terminal: a mode check alone would say yes.
		{"/dev/null", devNull, nil, false},
		{"buffer", &bytes.Buffer{}, nil, false},
		{"FORCE_COLOR through a pipe", w, map[string]string{"FORCE_COLOR": "1"}, true},
		{"FORCE_COLOR into a buffer", &bytes.Buffer{}, map[string]string{"FORCE_COLOR": "true"}, true},
		{"FORCE_COLOR beats NO_COLOR", w, map[string]string{"FORCE_COLOR": "1", "NO_COLOR": "1"}, true},
		{"FORCE_COLOR=0 does not force", w, map[string]string{"FORCE_COLOR": "0"}, false},
		{"FORCE_COLOR=false does not force", w, map[string]string{"FORCE_COLOR": "false"}, false},
	} {
		if got := ColorEnabled(tc.out, env(tc.env)); got != tc.want {
			t.Errorf("%s: ColorEnabled = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The environment rules on a terminal, which tests cannot open.
func TestColorDecisionOnTerminal(t *testing.T) {
	for _, tc := range []struct {
		name     string
		terminal bool
		env      map[string]string
		want     bool
	}{
		{"terminal", true, nil, true},
		{"terminal, xterm", true, map[string]string{"TERM": "xterm"}, true},
		{"NO_COLOR", true, map[string]string{"NO_COLOR": "1"}, false},
		{"empty NO_COLOR is unset", true, map[string]string{"NO_COLOR": ""}, true},
		{"TERM=dumb", true, map[string]string{"TERM": "dumb"}, false},
		{"FORCE_COLOR=0 leaves NO_COLOR in charge", true, map[string]string{"FORCE_COLOR": "0", "NO_COLOR": "x"}, false},
		{"FORCE_COLOR on a dumb terminal", true, map[string]string{"FORCE_COLOR": "3", "TERM": "dumb"}, true},
		{"no terminal", false, nil, false},
	} {
		if got := colorDecision(tc.terminal, env(tc.env)); got != tc.want {
			t.Errorf("%s: colorDecision = %v, want %v", tc.name, got, tc.want)
		}
	}
}

var sgrSequence = regexp.MustCompile("\x1b\\[[0-9;]*m")

// Colour only wraps labels and headers: stripped of escape sequences, coloured text is
// the plain text, and plain text has no escape sequences at all.
func TestTextColor(t *testing.T) {
	var plain, colored bytes.Buffer
	if err := Write(&plain, "text", goldenSample(), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Write(&colored, "text", goldenSample(), Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b") {
		t.Errorf("plain text has escape sequences:\n%q", plain.String())
	}
	if got := sgrSequence.ReplaceAllString(colored.String(), ""); got != plain.String() {
		t.Errorf("coloured text differs from plain text beyond colour:\n%s\nwant\n%s", got, plain.String())
	}
	for _, want := range []string{
		"\x1b[1ma.yaml\x1b[0m\n",
		"  \x1b[31mDENY\x1b[0m   Ingress team/bad",
		"  \x1b[33mWARN\x1b[0m   Ingress team/bad",
		"  \x1b[36mPATCH\x1b[0m  Ingress team/bad",
		"  \x1b[32mPASS\x1b[0m   Ingress team/ok",
		"  \x1b[1;31mERROR\x1b[0m  Service team/svc",
	} {
		if !strings.Contains(colored.String(), want) {
			t.Errorf("coloured text lacks %q:\n%q", want, colored.String())
		}
	}
}
