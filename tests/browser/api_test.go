package browser

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/ownkey/ownkey/internal/aescbc"
	"github.com/ownkey/ownkey/internal/keys"
	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apiScript calls ownkey.js directly in the page. It takes the vectors as
// input and returns what it saw; the assertions are made in Go. Secret
// material never comes back: project keys are checked through a probe file
// that Go decrypts.
const apiScript = `(async (input) => {
  const o = await import('./ownkey.js');
  const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
  const out = { derived: {}, verify: [], opened: [], unwrapped: [], errors: [], after: [] };
  const fail = async (name, fn) => {
    try { await fn(); out.errors.push({ name, message: 'no error' }); }
    catch (err) { out.errors.push({ name, message: String(err.message), type: err.name }); }
  };

  for (const v of input.derive) {
    const started = performance.now();
    const key = await o.deriveMasterKey(v.secret, { bits: v.bits });
    out.derived[v.secret] = { pem: key.publicKeyPem, fingerprint: key.fingerprint, bits: key.bits,
                              ms: performance.now() - started };
    for (const w of input.wrap.filter((w) => w.secret === v.secret)) {
      const r = { ciphertext: w.ciphertext_b64 };
      try { r.text = await key.openSecret(w.ciphertext_b64); } catch (err) { r.openError = err.message; }
      try {
        const pk = await key.unwrapProjectKey(w.ciphertext_b64);
        const probe = await o.encryptFile(pk, new Blob([input.probe]));
        r.probeFile = b64(await probe.arrayBuffer());
        await pk.forget();
      } catch (err) { r.unwrapError = err.message; }
      out.opened.push(r);
    }
    if (v.secret === input.derive[0].secret) {
      out.key = key; // kept for the calls below
    } else {
      await key.forget();
    }
  }
  const key = out.key;
  delete out.key;

  for (const s of input.sign) {
    out.verify.push(await o.verifyChallenge(s.pem, { value: s.value, signature: s.signature }));
  }

  // Sign, verify, wrap, unwrap, seal and open, round trip.
  const challenge = await key.createChallenge();
  out.ownChallenge = await o.verifyChallenge(key.publicKeyPem, challenge);
  out.otherKeyChallenge = await o.verifyChallenge(input.otherPem, challenge);
  const pk = await o.newProjectKey();
  const wrapped = await o.wrapProjectKey(pk, key.publicKeyPem);
  const pk2 = await key.unwrapProjectKey(wrapped);
  const spkiWrapped = await o.wrapProjectKey(pk, input.spkiPem);
  const pk3 = await key.unwrapProjectKey(spkiWrapped);
  const probe = new TextEncoder().encode(input.probe);
  const roundTrip = async (a, b) => {
    const enc = await o.encryptFile(a, new Blob([probe]));
    const dec = new Uint8Array(await (await o.decryptFile(b, enc)).arrayBuffer());
    return dec.length === probe.length && dec.every((x, i) => x === probe[i]);
  };
  out.wrapRoundTrip = await roundTrip(pk, pk2);
  out.spkiRoundTrip = await roundTrip(pk, pk3);
  out.sealed = await key.openSecret(await o.sealSecret(key.publicKeyPem, input.text));
  out.sealedLimit = (await key.openSecret(await o.sealSecret(key.publicKeyPem, 'é'.repeat(122) + 'x'))).length;
  const normal = async () => out.after.push(await roundTrip(pk, pk2) &&
    await o.verifyChallenge(key.publicKeyPem, challenge));

  // Every error rejects with a message, and the next call works.
  await fail('empty secret', () => o.deriveMasterKey(''));           await normal();
  await fail('1024 bits', () => o.deriveMasterKey('x', { bits: 1024 })); await normal();
  await fail('malformed PEM, wrap', () => o.wrapProjectKey(pk, 'not a key')); await normal();
  await fail('malformed PEM, verify', () => o.verifyChallenge('-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n', challenge)); await normal();
  await fail('malformed PEM, seal', () => o.sealSecret('', 'hello')); await normal();
  await fail('15-byte file', () => o.decryptFile(pk, new Blob([new Uint8Array(15)]))); await normal();
  const whole = await o.encryptFile(pk, new Blob([new Uint8Array(100)]));
  await fail('truncated file', () => o.decryptFile(pk, whole.slice(0, whole.size - 5))); await normal();
  await fail('too long to seal', () => o.sealSecret(key.publicKeyPem, 'x'.repeat(246))); await normal();
  await fail('not base64', () => key.unwrapProjectKey('%%%')); await normal();
  await fail('wrong key unwraps', () => key.unwrapProjectKey(input.otherWrapped)); await normal();
  await fail('forgotten key', async () => { const k = await o.newProjectKey(); await k.forget(); await o.encryptFile(k, new Blob(['x'])); }); await normal();
  await fail('not a blob', () => o.encryptFile(pk, 'text')); await normal();

  // Everything handed out is given back.
  for (const k of [pk, pk2, pk3, key]) { await k.forget(); }
  out.stats = await o.stats();
  return out;
})`

type apiResult struct {
	Derived map[string]struct {
		PEM         string  `json:"pem"`
		Fingerprint string  `json:"fingerprint"`
		Bits        int     `json:"bits"`
		Ms          float64 `json:"ms"`
	} `json:"derived"`
	Verify []bool `json:"verify"`
	Opened []struct {
		Ciphertext  string  `json:"ciphertext"`
		Text        *string `json:"text"`
		OpenError   string  `json:"openError"`
		ProbeFile   string  `json:"probeFile"`
		UnwrapError string  `json:"unwrapError"`
	} `json:"opened"`
	OwnChallenge      bool   `json:"ownChallenge"`
	OtherKeyChallenge bool   `json:"otherKeyChallenge"`
	WrapRoundTrip     bool   `json:"wrapRoundTrip"`
	SPKIRoundTrip     bool   `json:"spkiRoundTrip"`
	Sealed            string `json:"sealed"`
	SealedLimit       int    `json:"sealedLimit"`
	Errors            []struct {
		Name, Message, Type string
	} `json:"errors"`
	After []bool           `json:"after"`
	Stats map[string]int64 `json:"stats"`
}

func TestAPIWithVectorsAndErrors(t *testing.T) {
	derivations := testvectors.Derivations(t)
	pemOf := map[string]string{}
	for _, d := range derivations {
		pemOf[d.Secret] = d.PublicPKCS1
	}
	signs := testvectors.Signatures(t)
	wraps := testvectors.Wraps(t)

	// Derived in the page: the vector secret at 2048 bits and one at 3072.
	const main, large = "correct horse battery staple", "three-thousand"
	type deriveIn struct {
		Secret string `json:"secret"`
		Bits   int    `json:"bits"`
	}
	var signInput []map[string]string
	for _, s := range signs {
		signInput = append(signInput, map[string]string{
			"pem":       pemOf[s.Secret],
			"value":     base64.StdEncoding.EncodeToString(testvectors.Hex(t, s.MessageHex)),
			"signature": base64.StdEncoding.EncodeToString(testvectors.Hex(t, s.SignatureHex)),
		})
	}
	// A signature by another key, and a flipped bit, must not verify.
	tampered := testvectors.Hex(t, signs[0].SignatureHex)
	tampered[10] ^= 1
	signInput = append(signInput,
		map[string]string{"pem": pemOf["a"], "value": signInput[0]["value"],
			"signature": signInput[0]["signature"]},
		map[string]string{"pem": signInput[0]["pem"], "value": signInput[0]["value"],
			"signature": base64.StdEncoding.EncodeToString(tampered)})

	var wrapInput []map[string]any
	var otherWrapped string
	for _, w := range wraps {
		if w.Secret == main || w.Secret == large {
			wrapInput = append(wrapInput, map[string]any{"secret": w.Secret,
				"ciphertext_b64": w.CiphertextB64})
		}
		if w.Secret == "hunter2" && otherWrapped == "" {
			otherWrapped = w.CiphertextB64
		}
	}
	var spki string
	for _, d := range derivations {
		if d.Secret == main {
			spki = d.PublicSPKI
		}
	}
	const probe = "a probe file, encrypted under an unwrapped project key"
	const text = "postgres://node:s3cret@db:5432/app — naïve ✓"
	input, err := json.Marshal(map[string]any{
		"derive":       []deriveIn{{main, 2048}, {large, 3072}},
		"sign":         signInput,
		"wrap":         wrapInput,
		"probe":        probe,
		"text":         text,
		"otherPem":     pemOf["a"],
		"otherWrapped": otherWrapped,
		"spkiPem":      spki,
	})
	require.NoError(t, err)

	p := openPage(t)
	got := eval[apiResult](p, fmt.Sprintf("%s(%s)", apiScript, input))

	// derive: exactly the reference's public keys.
	for _, d := range derivations {
		if d.Secret != main && d.Secret != large {
			continue
		}
		assert.Equal(t, d.PublicPKCS1, got.Derived[d.Secret].PEM, "public key of %q", d.Secret)
		assert.Equal(t, pemFingerprint(t, d.PublicPKCS1), got.Derived[d.Secret].Fingerprint)
		assert.Equal(t, d.Bits, got.Derived[d.Secret].Bits)
		t.Logf("%d-bit derivation in Chromium: %.0f ms", d.Bits, got.Derived[d.Secret].Ms)
	}

	// verify: every reference signature, and neither forgery.
	require.Len(t, got.Verify, len(signs)+2)
	for i := range signs {
		assert.True(t, got.Verify[i], "sign.json entry %d verifies", i)
	}
	assert.False(t, got.Verify[len(signs)], "another key's public key")
	assert.False(t, got.Verify[len(signs)+1], "a flipped signature bit")
	assert.True(t, got.OwnChallenge)
	assert.False(t, got.OtherKeyChallenge)

	// unwrap and open: the reference's ciphertexts give its plaintexts.
	require.Len(t, got.Opened, len(wrapInput))
	byCiphertext := map[string]testvectors.Wrap{}
	for _, w := range wraps {
		byCiphertext[w.CiphertextB64] = w
	}
	for _, o := range got.Opened {
		w := byCiphertext[o.Ciphertext]
		plain := testvectors.Hex(t, w.PlaintextHex)
		name := fmt.Sprintf("%s, %d-byte plaintext", w.Secret, len(plain))
		assert.Empty(t, o.OpenError, name)
		if utf8.Valid(plain) {
			require.NotNil(t, o.Text, name)
			assert.True(t, *o.Text == string(plain), "%s: openSecret gives the plaintext", name)
		}
		if len(plain) != keys.ProjectKeySize {
			assert.Equal(t, keys.ErrUnwrap.Error(), o.UnwrapError, name)
			continue
		}
		require.Empty(t, o.UnwrapError, name)
		file, err := base64.StdEncoding.DecodeString(o.ProbeFile)
		require.NoError(t, err)
		var dec bytes.Buffer
		_, err = aescbc.Decrypt(&dec, bytes.NewReader(file), plain)
		require.NoError(t, err)
		assert.Equal(t, probe, dec.String(), "%s: the unwrapped key is the plaintext", name)
	}

	assert.True(t, got.WrapRoundTrip, "wrap then unwrap gives the same project key")
	assert.True(t, got.SPKIRoundTrip, "wrapping to the SPKI PEM works too")
	assert.Equal(t, text, got.Sealed)
	assert.Equal(t, 123, got.SealedLimit, "245 UTF-8 bytes seal")

	// Errors: each one clear, and each followed by a call that works.
	want := map[string]string{
		"empty secret":          keys.ErrEmptySecret.Error(),
		"1024 bits":             "keys: unsupported key size: 1024 bits; use 2048, 3072 or 4096",
		"malformed PEM, wrap":   "keys: malformed key: no PEM block found (expected -----BEGIN ...-----)",
		"malformed PEM, verify": "keys: malformed key: the RSA PUBLIC KEY block is not valid PKCS#1",
		"malformed PEM, seal":   "keys: malformed key: no PEM block found (expected -----BEGIN ...-----)",
		"15-byte file":          aescbc.ErrTooShort.Error(),
		"truncated file":        aescbc.ErrNotWholeBlocks.Error(),
		"too long to seal":      "keys: too long to wrap: 246 bytes, and a 2048-bit key wraps at most 245 bytes",
		"not base64":            "wasm: the wrapped project key is not valid base64; paste it again, whole",
		"wrong key unwraps":     keys.ErrUnwrap.Error(),
		"forgotten key":         "ownkey: expected a ProjectKey",
		"not a blob":            "ownkey: expected a File, a Blob or a ReadableStream",
	}
	require.Len(t, got.Errors, len(want))
	for _, e := range got.Errors {
		assert.Equal(t, want[e.Name], e.Message, e.Name)
	}
	require.Len(t, got.After, len(want))
	for i, ok := range got.After {
		assert.True(t, ok, "the call after %q works", got.Errors[i].Name)
	}

	// Nothing is left in the instance.
	for _, what := range []string{"masterKeys", "projectKeys", "files", "derivations"} {
		assert.Zero(t, got.Stats[what], what)
	}
}

// TestCancelDerivation cancels a derivation mid-way, then derives in the
// same Worker.
func TestCancelDerivation(t *testing.T) {
	vector := testvectors.Derivations(t)[0]
	p := openPage(t)
	script := fmt.Sprintf(`(async () => {
  const o = await import('./ownkey.js');
  const controller = new AbortController();
  let progressed = 0, error = null;
  const started = performance.now();
  try {
    await o.deriveMasterKey(%[1]q, { signal: controller.signal, onProgress: () => {
      progressed++; controller.abort();
    } });
  } catch (err) { error = { name: err.name, message: err.message }; }
  const cancelledAfter = performance.now() - started;
  const during = await o.stats();
  const t0 = performance.now();
  const key = await o.deriveMasterKey(%[1]q);
  const deriveMs = performance.now() - t0;
  const pem = key.publicKeyPem;
  await key.forget();
  return { progressed, error, cancelledAfter, derivations: during.derivations, pem, deriveMs,
           after: await o.stats() };
})()`, vector.Secret)
	got := eval[struct {
		Progressed     int
		Error          *struct{ Name, Message string }
		CancelledAfter float64
		Derivations    int
		PEM            string
		DeriveMs       float64
		After          map[string]int64
	}](p, script)

	require.NotNil(t, got.Error, "the derivation was not cancelled")
	assert.Equal(t, "AbortError", got.Error.Name)
	assert.Equal(t, "wasm: the derivation was cancelled: context canceled", got.Error.Message)
	assert.GreaterOrEqual(t, got.Progressed, 1)
	assert.Zero(t, got.Derivations, "the cancelled job is gone")
	assert.Less(t, got.CancelledAfter, got.DeriveMs, "cancelled before it would have ended")
	assert.Equal(t, vector.PublicPKCS1, got.PEM, "the same Worker derives afterwards")
	assert.Zero(t, got.After["masterKeys"])
	t.Logf("2048-bit derivation in Chromium: %.0f ms (cancelled after %.0f ms)",
		got.DeriveMs, got.CancelledAfter)
}

// TestCancelFile cancels a decryption after its first chunk: it rejects,
// hands out no Blob and leaves no file open; the next one works.
func TestCancelFile(t *testing.T) {
	p := openPage(t)
	got := eval[struct {
		Error   *struct{ Name, Message string }
		Blob    bool
		Files   int
		Matches bool
	}](p, `(async () => {
  const o = await import('./ownkey.js');
  const pk = await o.newProjectKey();
  const plain = new Uint8Array(5 << 20).map((_, i) => i * 7);
  const enc = await o.encryptFile(pk, new Blob([plain]));
  const controller = new AbortController();
  let blob = null, error = null;
  try {
    blob = await o.decryptFile(pk, enc, { signal: controller.signal,
      onProgress: () => controller.abort() });
  } catch (err) { error = { name: err.name, message: err.message }; }
  const files = (await o.stats()).files;
  const dec = new Uint8Array(await (await o.decryptFile(pk, enc)).arrayBuffer());
  await pk.forget();
  return { error, blob: blob !== null, files,
           matches: dec.length === plain.length && dec.every((x, i) => x === plain[i]) };
})()`)
	require.NotNil(t, got.Error, "the decryption was not cancelled")
	assert.Equal(t, "AbortError", got.Error.Name)
	assert.Equal(t, "ownkey: the decryption was cancelled", got.Error.Message)
	assert.False(t, got.Blob)
	assert.Zero(t, got.Files)
	assert.True(t, got.Matches, "a decryption after the cancelled one works")
}
