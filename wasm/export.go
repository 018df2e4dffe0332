package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/hack-pad/safejs"
)

// handler is one function of the API. Exactly one of its fields is set.
type handler struct {
	// run does the whole work on the calling event and returns the value
	// that resolves the Promise, or the error that rejects it.
	run func(args []safejs.Value) (any, error)

	// start checks the arguments on the calling event and returns the work,
	// which runs on its own goroutine so that JavaScript's event loop (and
	// with it cancel) keeps turning while it runs.
	start func(args []safejs.Value) (func() (any, error), error)
}

func now(run func([]safejs.Value) (any, error)) handler { return handler{run: run} }

func later(start func([]safejs.Value) (func() (any, error), error)) handler {
	return handler{start: start}
}

// jsFunc wraps h so that JavaScript always gets a Promise back and nothing
// is ever thrown across the boundary: every error, and every panic, rejects
// the Promise instead.
func (h handler) jsFunc() func(this safejs.Value, args []safejs.Value) any {
	return func(_ safejs.Value, args []safejs.Value) any {
		p, err := newPromise()
		if err != nil {
			// checkRuntime made sure at startup that this cannot happen;
			// undefined is what the Worker then sees.
			return nil
		}

		func() {
			defer p.recoverPanic()
			if h.run != nil {
				p.settle(h.run(args))
				return
			}
			work, err := h.start(args)
			if err != nil {
				p.settle(nil, err)
				return
			}
			go func() {
				defer p.recoverPanic()
				p.settle(work())
			}()
		}()
		return p.promise
	}
}

// promise is a JavaScript Promise with its resolve and reject functions.
type promise struct {
	promise, resolve, reject safejs.Value
}

// newPromise makes a Promise through Promise.withResolvers, which needs no
// executor callback, so a call costs no js.Func.
func newPromise() (promise, error) {
	ctor, err := safejs.Global().Get("Promise")
	if err != nil {
		return promise{}, err
	}
	r, err := ctor.Call("withResolvers")
	if err != nil {
		return promise{}, err
	}
	var p promise
	if p.promise, err = r.Get("promise"); err != nil {
		return promise{}, err
	}
	if p.resolve, err = r.Get("resolve"); err != nil {
		return promise{}, err
	}
	if p.reject, err = r.Get("reject"); err != nil {
		return promise{}, err
	}
	return p, nil
}

// settle resolves the Promise with value, or rejects it with an Error
// carrying err's message. A cancelled job rejects with an Error named
// "AbortError", as fetch and other Web APIs do.
func (p promise) settle(value any, err error) {
	if err == nil {
		if _, ierr := p.resolve.Invoke(value); ierr == nil {
			return
		}
		err = errors.New("wasm: internal error: the result could not be handed to JavaScript")
	}

	errorCtor, gerr := safejs.Global().Get("Error")
	if gerr != nil {
		_, _ = p.reject.Invoke(err.Error())
		return
	}
	jsErr, nerr := errorCtor.New(err.Error())
	if nerr != nil {
		_, _ = p.reject.Invoke(err.Error())
		return
	}
	if errors.Is(err, context.Canceled) {
		_ = jsErr.Set("name", "AbortError")
	}
	_, _ = p.reject.Invoke(jsErr)
}

// recoverPanic turns a panic into a rejection. A settled Promise ignores
// it, so it is safe after settle too. The message names no input: panics
// come from code, not from secrets.
func (p promise) recoverPanic() {
	if r := recover(); r != nil {
		p.settle(nil, fmt.Errorf("wasm: internal error (the page keeps working): %v", r))
	}
}
