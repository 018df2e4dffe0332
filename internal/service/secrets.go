package service

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// maxSecretFields bounds the named fields of one secret.
const maxSecretFields = 32

type createSecretRequest struct {
	Name   string       `json:"name"`
	Type   string       `json:"type"`
	Fields sealedFields `json:"fields"`
}

type secretJSON struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	FieldNames []string          `json:"fieldNames"`
	Fields     map[string]string `json:"fields,omitempty"`
	Created    string            `json:"created"`
}

func secretResponse(s Secret, withFields bool) secretJSON {
	out := secretJSON{ID: s.ID, Name: s.Name, Type: s.Type, FieldNames: fieldNames(s.Fields),
		Created: jsonTime(s.Created)}
	if withFields {
		out.Fields = encodeFields(s.Fields)
	}
	return out
}

func fieldNames(fields map[string][]byte) []string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func encodeFields(fields map[string][]byte) map[string]string {
	out := make(map[string]string, len(fields))
	for name, sealed := range fields {
		out[name] = base64.StdEncoding.EncodeToString(sealed)
	}
	return out
}

// decodeFields reads sealed fields, each wrapped to pub. Field names are
// letters and digits only, so a node can print a secret's field as
// CTX_SECRET_<name>_<field> without ambiguity.
func decodeFields(fields map[string]string, pub *rsa.PublicKey, whose string) (
	map[string][]byte, error) {
	if len(fields) == 0 {
		return nil, errorf(http.StatusBadRequest, "field \"fields\" needs at least one sealed field")
	}
	if len(fields) > maxSecretFields {
		return nil, errorf(http.StatusBadRequest, "a secret has at most %d fields; got %d",
			maxSecretFields, len(fields))
	}
	out := make(map[string][]byte, len(fields))
	for name, text := range fields {
		if !fieldNamePattern.MatchString(name) {
			return nil, errorf(http.StatusBadRequest, "the field name %q must be 1 to 64 "+
				"letters or digits", name)
		}
		sealed, err := decodeWrapped("fields."+name, text, pub.Size(), whose)
		if err != nil {
			return nil, err
		}
		out[name] = sealed
	}
	return out, nil
}

// createSecret stores a secret whose fields the page sealed to the owner's
// master key (docs/FORMAT.md, section 9).
func (h *Handler) createSecret(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	var req createSecretRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if !secretNamePattern.MatchString(req.Name) {
		return errorf(http.StatusBadRequest, "field \"name\" must be 1 to 64 letters, digits "+
			"or '_'")
	}
	if !secretTypePattern.MatchString(req.Type) {
		return errorf(http.StatusBadRequest, "field \"type\" must be a short lowercase word "+
			"such as \"database\" or \"token\" (letters, digits, '_', '-'; at most 32)")
	}
	masterKey, err := h.masterPublicKey(ctx, c.user.ID, "a secret")
	if err != nil {
		return err
	}
	fields, err := decodeFields(req.Fields, masterKey, "your master")
	if err != nil {
		return err
	}

	id, err := newID()
	if err != nil {
		return err
	}
	secret := Secret{ID: id, OwnerID: c.user.ID, Name: req.Name, Type: req.Type,
		Fields: fields, Created: h.timestamp()}
	err = h.rows.CreateSecret(ctx, secret)
	if errors.Is(err, ErrConflict) {
		return errorf(http.StatusConflict, "you already have a secret named %q", req.Name)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, secretResponse(secret, true))
	return nil
}

func (h *Handler) listSecrets(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	secrets, err := h.rows.Secrets(ctx, c.user.ID)
	if err != nil {
		return err
	}
	out := make([]secretJSON, 0, len(secrets))
	for _, s := range secrets {
		out = append(out, secretResponse(s, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"secrets": out})
	return nil
}

// ownSecret is the caller's secret of the given ID; errNoSecret if it is
// absent or someone else's alike.
func (h *Handler) ownSecret(ctx context.Context, c caller, id string) (Secret, error) {
	if !idPattern.MatchString(id) {
		return Secret{}, errNoSecret
	}
	secret, err := h.rows.Secret(ctx, c.user.ID, id)
	if errors.Is(err, ErrNotFound) {
		return Secret{}, errNoSecret
	}
	return secret, err
}

func (h *Handler) getSecret(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	secret, err := h.ownSecret(ctx, c, r.PathValue("secret"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, secretResponse(secret, true))
	return nil
}

// sameFieldNames reports whether a re-sealed secret has exactly the fields
// of the original, so a node never gets a partial secret.
func sameFieldNames(original map[string][]byte, resealed map[string]string) error {
	want := fieldNames(original)
	got := make([]string, 0, len(resealed))
	for name := range resealed {
		got = append(got, name)
	}
	slices.Sort(got)
	if !slices.Equal(want, got) {
		return errorf(http.StatusBadRequest, "field \"fields\" must hold exactly the "+
			"secret's fields: %s", strings.Join(want, ", "))
	}
	return nil
}
