//go:build js && wasm

package r2blob

import (
	"errors"
	"fmt"

	"github.com/hack-pad/safejs"
)

// The Workers runtime answers with promises; these helpers wait for them
// from a goroutine, which the Go scheduler parks while JavaScript runs.

// await waits for promise and returns what it resolved to, or its rejection
// as an error.
func await(promise safejs.Value) (safejs.Value, error) {
	type outcome struct {
		value safejs.Value
		err   error
	}
	done := make(chan outcome, 1)
	onResolve, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		value := safejs.Undefined()
		if len(args) > 0 {
			value = args[0]
		}
		done <- outcome{value: value}
		return nil
	})
	if err != nil {
		return safejs.Value{}, err
	}
	defer onResolve.Release()
	onReject, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		reason := safejs.Undefined()
		if len(args) > 0 {
			reason = args[0]
		}
		done <- outcome{err: jsError(reason)}
		return nil
	})
	if err != nil {
		return safejs.Value{}, err
	}
	defer onReject.Release()
	if _, err := promise.Call("then", onResolve, onReject); err != nil {
		return safejs.Value{}, err
	}
	out := <-done
	return out.value, out.err
}

// pending is a promise being waited for in the background, so that Go can
// feed a stream while the runtime consumes it.
type pending chan error

func watch(promise safejs.Value) pending {
	result := make(pending, 1)
	go func() {
		_, err := await(promise)
		result <- err
	}()
	return result
}

func (p pending) wait() error { return <-p }

// jsError turns a JavaScript rejection or exception into a Go error that
// carries its message only.
func jsError(reason safejs.Value) error {
	if reason.IsUndefined() || reason.IsNull() {
		return errors.New("a JavaScript promise was rejected without a reason")
	}
	if message, err := reason.Get("message"); err == nil && !message.IsUndefined() {
		if text, err := message.String(); err == nil {
			return errors.New(text)
		}
	}
	if text, err := reason.String(); err == nil {
		return errors.New(text)
	}
	return errors.New("a JavaScript promise was rejected")
}

// global returns the runtime's global constructor or object called name.
func global(name string) (safejs.Value, error) {
	value, err := safejs.Global().Get(name)
	if err != nil {
		return safejs.Value{}, err
	}
	if value.IsUndefined() {
		return safejs.Value{}, fmt.Errorf("r2blob: the runtime has no %s; run under Cloudflare "+
			"Workers (workerd)", name)
	}
	return value, nil
}

// newBytes copies b into a new Uint8Array.
func newBytes(b []byte) (safejs.Value, error) {
	class, err := global("Uint8Array")
	if err != nil {
		return safejs.Value{}, err
	}
	array, err := class.New(len(b))
	if err != nil {
		return safejs.Value{}, err
	}
	if _, err := safejs.CopyBytesToJS(array, b); err != nil {
		return safejs.Value{}, err
	}
	return array, nil
}
