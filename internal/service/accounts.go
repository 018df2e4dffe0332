package service

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/ownkey/ownkey/internal/keys"
)

type signupRequest struct {
	Username string `json:"username"`
}

type signupResponse struct {
	Username string `json:"username"`
	Token    string `json:"token"`
	Created  string `json:"created"`
}

// Limitation: sign-up is open to anyone who can reach the service and is
// not rate limited; put the service behind a proxy that limits it when it
// is reachable beyond a trusted network.
func (h *Handler) signup(w http.ResponseWriter, r *http.Request, _ caller) error {
	ctx := r.Context()
	var req signupRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if !usernamePattern.MatchString(req.Username) {
		return errorf(http.StatusBadRequest, "field \"username\" must be 2 to 32 characters: "+
			"lowercase letters, digits, '.', '_' or '-', starting with a letter or digit")
	}

	id, err := newID()
	if err != nil {
		return err
	}
	token, tokenHash, err := newToken(userTokenPrefix)
	if err != nil {
		return err
	}
	user := User{ID: id, Username: req.Username, TokenHash: tokenHash, Created: h.timestamp()}
	if err := h.rows.CreateUser(ctx, user); err != nil {
		if errors.Is(err, ErrConflict) {
			return errorf(http.StatusConflict, "the username %q is taken", req.Username)
		}
		return err
	}
	writeJSON(w, http.StatusCreated, signupResponse{user.Username, token, jsonTime(user.Created)})
	return nil
}

type meResponse struct {
	Username     string `json:"username"`
	Created      string `json:"created"`
	HasMasterKey bool   `json:"hasMasterKey"`
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	_, err := h.rows.MasterKey(ctx, c.user.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	writeJSON(w, http.StatusOK, meResponse{c.user.Username, jsonTime(c.user.Created), err == nil})
	return nil
}

type masterKeyRequest struct {
	PublicKey string `json:"publicKey"`
	Value     string `json:"value"`
	Signature string `json:"signature"`
}

type masterKeyJSON struct {
	PublicKey string `json:"publicKey"`
	Value     string `json:"value"`
	Signature string `json:"signature"`
	Created   string `json:"created"`
}

func masterKeyResponse(mk MasterKey) masterKeyJSON {
	return masterKeyJSON{
		PublicKey: mk.PublicKeyPEM,
		Value:     base64.StdEncoding.EncodeToString(mk.Challenge),
		Signature: base64.StdEncoding.EncodeToString(mk.Signature),
		Created:   jsonTime(mk.Created),
	}
}

// putMasterKey records the caller's master key proof (docs/FORMAT.md,
// section 8) after checking the signature. It is set once: sending the same
// proof again answers 200, a different one 409, so a page that derived a
// different key can never overwrite the proof that guards the user's data.
func (h *Handler) putMasterKey(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	var req masterKeyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	pub, err := parsePublicKey("publicKey", req.PublicKey)
	if err != nil {
		return err
	}
	value, err := decodeBase64("value", req.Value)
	if err != nil {
		return err
	}
	if len(value) != keys.ChallengeSize {
		return errorf(http.StatusBadRequest, "field \"value\" must be %d bytes; got %d",
			keys.ChallengeSize, len(value))
	}
	signature, err := decodeBase64("signature", req.Signature)
	if err != nil {
		return err
	}
	if err := keys.Verify(pub, value, signature); err != nil {
		return errorf(http.StatusBadRequest,
			"field \"signature\" is not a signature of \"value\" by this public key "+
				"(RSASSA-PKCS1-v1_5 with SHA-256)")
	}

	mk := MasterKey{
		PublicKeyPEM: keys.PublicKeyPEM(pub),
		Challenge:    value,
		Signature:    signature,
		Created:      h.timestamp(),
	}
	err = h.rows.PutMasterKey(ctx, c.user.ID, mk)
	if errors.Is(err, ErrConflict) {
		stored, err := h.rows.MasterKey(ctx, c.user.ID)
		if err != nil {
			return err
		}
		if stored.PublicKeyPEM != mk.PublicKeyPEM || !bytes.Equal(stored.Challenge, value) ||
			!bytes.Equal(stored.Signature, signature) {
			return errorf(http.StatusConflict, "a master key is already registered for "+
				"this account and cannot be replaced")
		}
		writeJSON(w, http.StatusOK, masterKeyResponse(stored))
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, masterKeyResponse(mk))
	return nil
}

func (h *Handler) getMasterKey(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	mk, err := h.rows.MasterKey(ctx, c.user.ID)
	if errors.Is(err, ErrNotFound) {
		return errorf(http.StatusNotFound, "no master key is registered for this account yet")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, masterKeyResponse(mk))
	return nil
}

type publicKeyResponse struct {
	Username  string `json:"username"`
	PublicKey string `json:"publicKey"`
	Bits      int    `json:"bits"`
}

// userPublicKey gives a teammate's master public key, for the page to wrap
// a project key to before adding them.
func (h *Handler) userPublicKey(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	teammate, pub, err := h.teammateKey(ctx, r.PathValue("username"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, publicKeyResponse{teammate.Username, keys.PublicKeyPEM(pub),
		pub.N.BitLen()})
	return nil
}

// teammateKey finds a user by name and their master public key.
func (h *Handler) teammateKey(ctx context.Context, username string) (User, *rsa.PublicKey, error) {
	teammate, err := h.rows.UserByName(ctx, username)
	if errors.Is(err, ErrNotFound) {
		return User{}, nil, errorf(http.StatusNotFound, "no user is named %q", username)
	}
	if err != nil {
		return User{}, nil, err
	}
	mk, err := h.rows.MasterKey(ctx, teammate.ID)
	if errors.Is(err, ErrNotFound) {
		return User{}, nil, errorf(http.StatusConflict, "%q has no master key yet: "+
			"they must unlock ownkey once before anything can be shared with them", username)
	}
	if err != nil {
		return User{}, nil, err
	}
	pub, err := keys.ParsePublicKey(mk.PublicKeyPEM)
	if err != nil {
		return User{}, nil, err
	}
	return teammate, pub, nil
}

// masterPublicKey is the caller's own master public key, which everything
// they create is wrapped to.
func (h *Handler) masterPublicKey(ctx context.Context, userID, what string) (
	*rsa.PublicKey, error) {
	mk, err := h.rows.MasterKey(ctx, userID)
	if errors.Is(err, ErrNotFound) {
		return nil, errorf(http.StatusConflict, "register a master key before creating %s "+
			"(PUT /api/me/master-key): it is what %s is encrypted to", what, what)
	}
	if err != nil {
		return nil, err
	}
	return keys.ParsePublicKey(mk.PublicKeyPEM)
}

func parsePublicKey(field, text string) (*rsa.PublicKey, error) {
	if text == "" {
		return nil, errorf(http.StatusBadRequest, "field %q is required", field)
	}
	pub, err := keys.ParsePublicKey(text)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "field %q: %v", field, err)
	}
	return pub, nil
}
