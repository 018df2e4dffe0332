package keys

import (
	"context"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
)

// BenchmarkDerive2048 derives the 2048-bit vector keys in turn, afresh each
// time (the test cache is not used), and reports the candidates and stream
// bytes per derivation beside the time, since both vary with the secret.
//
//	go test -run '^$' -bench Derive2048 -benchtime 12x ./internal/keys
func BenchmarkDerive2048(b *testing.B) {
	var secrets [][]byte
	for _, v := range testvectors.Derivations(b) {
		if v.Bits == 2048 {
			secrets = append(secrets, []byte(v.Secret))
		}
	}
	if len(secrets) == 0 {
		b.Fatal("no 2048-bit vectors")
	}

	var candidates, drawn int64
	for i := 0; b.Loop(); i++ {
		_, n, err := derive(context.Background(), secrets[i%len(secrets)], 2048,
			func(int) { candidates++ })
		if err != nil {
			b.Fatal(err)
		}
		drawn += n
	}
	b.ReportMetric(float64(candidates)/float64(b.N), "candidates/op")
	b.ReportMetric(float64(drawn)/float64(b.N), "stream-bytes/op")
}
