package keys

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// groupResidue is modWord for every group, at every candidate size and at
// the edges (all ones, a single bit), and modWord is the remainder.
func TestGroupResidueIsTheRemainder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var numbers []*big.Int
	for _, size := range []int{1024, 1536, 2048} {
		for range 4 {
			words := make([]big.Word, size/64)
			for i := range words {
				words[i] = big.Word(r.Uint64())
			}
			numbers = append(numbers, new(big.Int).SetBits(words))
		}
		ones := new(big.Int).Lsh(bigOne, uint(size))
		numbers = append(numbers, ones.Sub(ones, bigOne), new(big.Int).Lsh(bigOne, uint(size-1)))
	}
	numbers = append(numbers, big.NewInt(0), big.NewInt(12345))
	tooLarge := new(big.Int).Lsh(bigOne, 4100) // past the table: the division path
	numbers = append(numbers, tooLarge.Add(tooLarge, big.NewInt(77)))

	for i, x := range numbers {
		for g, group := range smallPrimeGroups {
			want := new(big.Int).Mod(x, big.NewInt(int64(group.product))).Uint64()
			require.Equal(t, want, modWord(x, group.product), "modWord, number %d group %d", i, g)
			require.Equal(t, want, groupResidue(x, g), "number %d group %d", i, g)
		}
	}
}
