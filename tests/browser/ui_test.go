package browser

import (
	"strings"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const wrongSecretMessage = "This is not the secret you used before"

// unlock types secret into the master key dialog (twice, when the page asks
// for it again on first use), derives, and waits until the dialog has
// settled. It returns the message the page shows.
func (p *page) unlock(secret string) string {
	p.t.Helper()
	p.setValue("#secret", secret)
	if eval[bool](p, `!(document.getElementById('secret-again-row') || {hidden: true}).hidden`) {
		p.setValue("#secret-again", secret) // the first unlock asks twice
	}
	p.click("#derive")
	p.waitFor(`document.getElementById('derive-busy').hidden && ` +
		`document.getElementById('master-message').textContent !== ''`)
	return p.text("#master-message")
}

func TestUnlockShowsTheVectorKeyAndCatchesAWrongSecret(t *testing.T) {
	vector := testvectors.Derivations(t)[0]
	require.Equal(t, "correct horse battery staple", vector.Secret)
	p := openPage(t)

	// First use: the derived key is the reference's, and a check is stored.
	message := p.unlock(vector.Secret)
	assert.Contains(t, message, "First use in this browser")
	assert.Equal(t, vector.PublicPKCS1, p.value("#public-key-pem"))
	assert.Equal(t, pemFingerprint(t, vector.PublicPKCS1), p.text("#fingerprint"))
	assert.Empty(t, p.value("#secret"), "the secret field is cleared after unlocking")
	stored := eval[map[string]string](p,
		`JSON.parse(localStorage.getItem('ownkey.masterKeyCheck'))`)
	assert.Equal(t, vector.PublicPKCS1, stored["publicKeyPem"])
	assert.Len(t, stored["value"], 44, "a 32-byte value in base64")
	assert.Len(t, stored["signature"], 344, "a 256-byte signature in base64")

	// Later use, wrong secret: said plainly, and the key is not kept.
	p.click("#lock")
	message = p.unlock("correct horse battery stapler")
	assert.True(t, strings.HasPrefix(message, wrongSecretMessage), "message: %q", message)
	assert.Contains(t, p.attr("#master-message", "class"), "error")
	assert.True(t, eval[bool](p, `document.getElementById('master-unlocked').hidden`))
	assert.True(t, eval[bool](p, `document.getElementById('new-project-key').disabled`))

	// Later use, right secret: the stored check passes.
	message = p.unlock(vector.Secret)
	assert.Contains(t, message, "this is the secret you used before")
	assert.Equal(t, vector.PublicPKCS1, p.value("#public-key-pem"))
	assert.False(t, eval[bool](p, `document.getElementById('new-project-key').disabled`))
	stats := eval[map[string]float64](p, `import('./ownkey.js').then(o => o.stats())`)
	assert.Equal(t, 1.0, stats["masterKeys"], "the wrong secret's key was forgotten")
	assert.Empty(t, p.console.kinds(), "the page wrote to its console")
}

// TestUnlockCancelButton cancels a 4096-bit derivation with the page's
// Cancel button once progress shows, then unlocks in the same page.
func TestUnlockCancelButton(t *testing.T) {
	vector := testvectors.Derivations(t)[0]
	p := openPage(t)

	p.setValue("#secret", vector.Secret)
	p.setValue("#secret-again", vector.Secret)
	p.setValue("#bits", "4096")
	p.click("#derive")
	p.waitFor(`document.getElementById('derive-progress').value > 0`)
	p.click("#derive-cancel")
	p.waitFor(`document.getElementById('derive-busy').hidden`)
	assert.Equal(t, "Cancelled.", p.text("#master-message"))
	assert.True(t, eval[bool](p, `document.getElementById('master-unlocked').hidden`))
	assert.Equal(t, vector.Secret, p.value("#secret"), "the secret stays typed for a retry")

	p.setValue("#bits", "2048")
	message := p.unlock(vector.Secret)
	assert.Contains(t, message, "First use in this browser")
	assert.Equal(t, vector.PublicPKCS1, p.value("#public-key-pem"))
	assert.Empty(t, p.console.kinds(), "the page wrote to its console")
}
