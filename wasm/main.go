// Command wasm is ownkey compiled to WebAssembly (GOOS=js GOARCH=wasm). It
// adapts internal/keys and internal/aescbc to JavaScript and nothing more:
// web/worker.js loads it in a dedicated Web Worker, where it installs one
// object, globalThis.ownkey, whose functions all return Promises.
//
// Private keys and project keys never leave this instance. JavaScript holds
// them only as opaque numeric handles, and no function returns their bytes:
// there is no export. Every failure, a panic included, becomes a rejected
// Promise whose Error carries a message a person can act on; the instance
// keeps working after it.
//
// Every call crosses the Go/JavaScript boundary through
// github.com/hack-pad/safejs, which turns JavaScript exceptions into Go
// errors. This package does not import syscall/js.
package main

import (
	"fmt"

	"github.com/hack-pad/safejs"
)

// apiName is the global through which the Worker reaches the instance.
const apiName = "ownkey"

func main() {
	api, err := newAPI()
	if err != nil {
		// Nothing was installed: the Worker sees no globalThis.ownkey and
		// reports that the WebAssembly module could not start.
		fmt.Println("ownkey: cannot start:", err)
		return
	}
	<-api.closed
	api.release()
}

// api is the set of functions installed on globalThis.ownkey.
type api struct {
	object safejs.Value
	funcs  []safejs.Func
	closed chan struct{}
}

func newAPI() (*api, error) {
	global := safejs.Global()
	if err := checkRuntime(global); err != nil {
		return nil, err
	}

	objectCtor, err := global.Get("Object")
	if err != nil {
		return nil, err
	}
	object, err := objectCtor.New()
	if err != nil {
		return nil, err
	}
	a := &api{object: object, closed: make(chan struct{})}

	// The functions are made once and live as long as the instance: no
	// call makes a js.Func, so none can leak. close releases them all.
	exports := map[string]handler{
		"derive":           later(deriveStart),
		"cancel":           now(cancelJob),
		"publicKey":        now(publicKey),
		"createChallenge":  now(createChallenge),
		"verifyChallenge":  now(verifyChallenge),
		"newProjectKey":    now(newProjectKey),
		"wrapProjectKey":   now(wrapProjectKey),
		"unwrapProjectKey": now(unwrapProjectKey),
		"sealSecret":       now(sealSecret),
		"parsePublicKey":   now(parsePublicKey),
		"openSecret":       now(openSecret),
		"fileStart":        now(fileStart),
		"fileUpdate":       now(fileUpdate),
		"fileFinal":        now(fileFinal),
		"webCryptoKey":     now(importWebCryptoKey),
		"forget":           now(forget),
		"stats":            now(stats),
		"close": now(func([]safejs.Value) (any, error) {
			select {
			case <-a.closed:
			default:
				close(a.closed)
			}
			return true, nil
		}),
	}
	for name, h := range exports {
		fn, err := safejs.FuncOf(h.jsFunc())
		if err != nil {
			a.release()
			return nil, fmt.Errorf("exporting %s: %w", name, err)
		}
		a.funcs = append(a.funcs, fn)
		if err := object.Set(name, fn.Value()); err != nil {
			a.release()
			return nil, fmt.Errorf("exporting %s: %w", name, err)
		}
	}

	if err := global.Set(apiName, object); err != nil {
		a.release()
		return nil, err
	}
	return a, nil
}

// release removes the API from the global scope and frees its functions.
func (a *api) release() {
	_ = safejs.Global().Delete(apiName)
	for _, fn := range a.funcs {
		fn.Release()
	}
	a.funcs = nil
	keyring.forgetAll()
}

// checkRuntime refuses to start where Promise.withResolvers is missing
// (browsers before 2024): every function settles its Promise through it.
func checkRuntime(global safejs.Value) error {
	promise, err := global.Get("Promise")
	if err != nil {
		return err
	}
	withResolvers, err := promise.Get("withResolvers")
	if err != nil {
		return err
	}
	if withResolvers.Type() != safejs.TypeFunction {
		return fmt.Errorf("this browser has no Promise.withResolvers; use a current browser")
	}
	return nil
}
