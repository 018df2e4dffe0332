package e2e

import "context"

type sentKey struct{}

func withSent(ctx context.Context, ex *exchange) context.Context {
	return context.WithValue(ctx, sentKey{}, ex)
}
