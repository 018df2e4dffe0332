package service

import "testing"

// TestDuplicateKey checks the pre-scan that refuses repeated JSON keys,
// with the path it names, at every depth.
func TestDuplicateKey(t *testing.T) {
	cases := map[string]string{
		`{"a":1,"a":2}`:                        "a",
		`{"a":{"b":1,"c":{"d":[1]},"b":2}}`:    "a.b",
		`{"a":[{"x":1},{"x":1,"y":[],"x":2}]}`: "a[1].x",
		`{"a":1,"\u0061":2}`:                   "a",
		`{"name":1,"Name":2}`:                  "Name",
		`{"f":{"token":1,"Token":2}}`:          "",
		`{"a":{"b":1},"b":{"a":1}}`:            "",
		`{"a":[[1,2],[{"a":1}]],"b":null}`:     "",
		`[{"a":1},{"a":1}]`:                    "",
		`{"a":1,"a"`:                           "a",
		`{"a":1,`:                              "",
		`not json`:                             "",
		``:                                     "",
		`{"a":1} {"a":1,"a":2}`:                "",
	}
	for body, want := range cases {
		got, found := duplicateKey([]byte(body))
		if found != (want != "") || got != want {
			t.Errorf("duplicateKey(%s) = %q, %v; want %q", body, got, found, want)
		}
	}
}
