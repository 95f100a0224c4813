package report

import (
	"encoding/xml"
	"io"
)

// One JUnit document shape for both commands. apiguard check (writeJUnit) reports a
// testsuite per file and a testcase per object and policy; apiguard test
// (writeTestJUnit) adds skips and durations. The attributes only apiguard test fills
// are omitted when unset, so each command's document keeps its own shape.
type junitSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	Name    string   `xml:"name,attr"`
	junitCounts
	Suites []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name string `xml:"name,attr"`
	junitCounts
	Cases []junitCase `xml:"testcase"`
}

// junitCounts are the attributes testsuites and testsuite share, in this order.
type junitCounts struct {
	Tests  int `xml:"tests,attr"`
	Fails  int `xml:"failures,attr"`
	Errors int `xml:"errors,attr"`
	// Skipped is nil for apiguard check, which skips nothing; a pointer so that
	// apiguard test still writes skipped="0".
	Skipped *int   `xml:"skipped,attr,omitempty"`
	Time    string `xml:"time,attr,omitempty"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr,omitempty"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}

// encodeJUnit writes doc as an indented XML document with a trailing newline.
func encodeJUnit(w io.Writer, doc junitSuites) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
