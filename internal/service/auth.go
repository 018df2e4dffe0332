package service

import (
	"errors"
	"net/http"
	"strings"
)

var (
	errNoToken = &apiError{http.StatusUnauthorized,
		"missing API token: send the header Authorization: Bearer <token>"}
	errBadToken = &apiError{http.StatusUnauthorized,
		"the API token is not valid; sign up again or use the token you were given"}
	errNeedUser = &apiError{http.StatusForbidden,
		"this endpoint takes a user's API token, not a node token"}
	errNeedNode = &apiError{http.StatusForbidden,
		"this endpoint takes a node token, not a user's API token"}
)

// authenticate finds who r speaks for from its bearer token. A token is
// looked up only by the hash of its random bytes; the token itself is
// never stored or logged.
func (h *Handler) authenticate(r *http.Request, mode authMode) (caller, error) {
	ctx := r.Context()
	header := r.Header.Get("Authorization")
	if header == "" {
		return caller{}, errNoToken
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return caller{}, errNoToken
	}
	token = strings.TrimSpace(token)

	if hash, ok := parseToken(userTokenPrefix, token); ok {
		user, err := h.rows.UserByTokenHash(ctx, hash)
		switch {
		case errors.Is(err, ErrNotFound):
			return caller{}, errBadToken
		case err != nil:
			return caller{}, err
		case mode == nodeAuth:
			return caller{}, errNeedNode
		}
		return caller{user: &user}, nil
	}

	if hash, ok := parseToken(nodeTokenPrefix, token); ok {
		node, err := h.rows.NodeByTokenHash(ctx, hash)
		switch {
		case errors.Is(err, ErrNotFound):
			return caller{}, errBadToken
		case err != nil:
			return caller{}, err
		case mode == userAuth:
			return caller{}, errNeedUser
		}
		return caller{node: &node}, nil
	}
	return caller{}, errBadToken
}
