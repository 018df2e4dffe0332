package service

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/ownkey/ownkey/internal/keys"
)

type createNodeRequest struct {
	Name      string `json:"name"`
	PublicKey string `json:"publicKey"`
}

type nodeJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	PublicKey string `json:"publicKey,omitempty"`
	Token     string `json:"token,omitempty"`
	Created   string `json:"created"`
}

type nodeGrantJSON struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type,omitempty"`
	WrappedKey string            `json:"wrappedKey,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
	Granted    string            `json:"granted"`
}

type nodeDetailJSON struct {
	nodeJSON
	Projects []nodeGrantJSON `json:"projects"`
	Secrets  []nodeGrantJSON `json:"secrets"`
}

// createNode registers a node by the public key it derived from its own
// secret (ownkey derive). The node token is in this response only.
func (h *Handler) createNode(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	var req createNodeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := checkLabel("field", "name", req.Name, maxLabelSize); err != nil {
		return err
	}
	pub, err := parsePublicKey("publicKey", req.PublicKey)
	if err != nil {
		return err
	}

	id, err := newID()
	if err != nil {
		return err
	}
	token, tokenHash, err := newToken(nodeTokenPrefix)
	if err != nil {
		return err
	}
	node := Node{ID: id, OwnerID: c.user.ID, Name: req.Name, PublicKeyPEM: keys.PublicKeyPEM(pub),
		TokenHash: tokenHash, Created: h.timestamp()}
	if err := h.rows.CreateNode(ctx, node); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, nodeJSON{node.ID, node.Name, node.PublicKeyPEM, token,
		jsonTime(node.Created)})
	return nil
}

func (h *Handler) listNodes(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	nodes, err := h.rows.Nodes(ctx, c.user.ID)
	if err != nil {
		return err
	}
	out := make([]nodeJSON, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, nodeJSON{ID: n.ID, Name: n.Name, Created: jsonTime(n.Created)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"nodes": out})
	return nil
}

// ownNode is the caller's node named in r's path; errNoNode if it is absent
// or someone else's alike.
func (h *Handler) ownNode(ctx context.Context, r *http.Request, c caller) (Node, error) {
	id := r.PathValue("node")
	if !idPattern.MatchString(id) {
		return Node{}, errNoNode
	}
	node, err := h.rows.Node(ctx, c.user.ID, id)
	if errors.Is(err, ErrNotFound) {
		return Node{}, errNoNode
	}
	return node, err
}

// nodeDetail is a node and what it was given; withSealed adds the wrapped
// keys and sealed fields, which only the node itself needs.
func (h *Handler) nodeDetail(ctx context.Context, node Node, withSealed bool) (
	nodeDetailJSON, error) {
	projects, err := h.rows.NodeProjects(ctx, node.ID)
	if err != nil {
		return nodeDetailJSON{}, err
	}
	secrets, err := h.rows.NodeSecrets(ctx, node.ID)
	if err != nil {
		return nodeDetailJSON{}, err
	}
	out := nodeDetailJSON{
		nodeJSON: nodeJSON{ID: node.ID, Name: node.Name, PublicKey: node.PublicKeyPEM,
			Created: jsonTime(node.Created)},
		Projects: make([]nodeGrantJSON, 0, len(projects)),
		Secrets:  make([]nodeGrantJSON, 0, len(secrets)),
	}
	for _, p := range projects {
		grant := nodeGrantJSON{ID: p.ProjectID, Name: p.ProjectName, Granted: jsonTime(p.Created)}
		if withSealed {
			grant.WrappedKey = base64.StdEncoding.EncodeToString(p.WrappedKey)
		}
		out.Projects = append(out.Projects, grant)
	}
	for _, s := range secrets {
		grant := nodeGrantJSON{ID: s.SecretID, Name: s.SecretName, Type: s.SecretType,
			Granted: jsonTime(s.Created)}
		if withSealed {
			grant.Fields = encodeFields(s.Fields)
		}
		out.Secrets = append(out.Secrets, grant)
	}
	return out, nil
}

func (h *Handler) getNode(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	node, err := h.ownNode(ctx, r, c)
	if err != nil {
		return err
	}
	out, err := h.nodeDetail(ctx, node, false)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// nodeView is what a node fetches with its own token: its project keys and
// secrets, sealed to its public key.
func (h *Handler) nodeView(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	out, err := h.nodeDetail(ctx, *c.node, true)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type grantProjectRequest struct {
	ProjectID  string `json:"projectId"`
	WrappedKey string `json:"wrappedKey"`
}

type grantJSON struct {
	NodeID    string `json:"nodeId"`
	ProjectID string `json:"projectId,omitempty"`
	SecretID  string `json:"secretId,omitempty"`
	Granted   string `json:"granted"`
}

// grantProject gives one of the caller's nodes a project key that the page
// wrapped again to the node's public key. The caller must reach the project.
func (h *Handler) grantProject(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	node, err := h.ownNode(ctx, r, c)
	if err != nil {
		return err
	}
	var req grantProjectRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.ProjectID == "" {
		return errorf(http.StatusBadRequest, "field \"projectId\" is required")
	}
	if !idPattern.MatchString(req.ProjectID) {
		return errNoProject
	}
	if _, err := h.rows.ProjectFor(ctx, req.ProjectID, c.user.ID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return errNoProject
		}
		return err
	}
	pub, err := keys.ParsePublicKey(node.PublicKeyPEM)
	if err != nil {
		return err
	}
	wrapped, err := decodeWrapped("wrappedKey", req.WrappedKey, pub.Size(), "the node's")
	if err != nil {
		return err
	}

	grant := NodeProject{NodeID: node.ID, ProjectID: req.ProjectID, WrappedKey: wrapped,
		Created: h.timestamp()}
	err = h.rows.GrantProject(ctx, grant)
	if errors.Is(err, ErrConflict) {
		return errorf(http.StatusConflict, "this node already has this project's key")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, grantJSON{NodeID: node.ID, ProjectID: grant.ProjectID,
		Granted: jsonTime(grant.Created)})
	return nil
}

type grantSecretRequest struct {
	SecretID string       `json:"secretId"`
	Fields   sealedFields `json:"fields"`
}

// grantSecret gives one of the caller's nodes one of the caller's secrets,
// every field re-sealed to the node's public key in the page.
func (h *Handler) grantSecret(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	node, err := h.ownNode(ctx, r, c)
	if err != nil {
		return err
	}
	var req grantSecretRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.SecretID == "" {
		return errorf(http.StatusBadRequest, "field \"secretId\" is required")
	}
	secret, err := h.ownSecret(ctx, c, req.SecretID)
	if err != nil {
		return err
	}
	if err := sameFieldNames(secret.Fields, req.Fields); err != nil {
		return err
	}
	pub, err := keys.ParsePublicKey(node.PublicKeyPEM)
	if err != nil {
		return err
	}
	fields, err := decodeFields(req.Fields, pub, "the node's")
	if err != nil {
		return err
	}

	grant := NodeSecret{NodeID: node.ID, SecretID: secret.ID, Fields: fields,
		Created: h.timestamp()}
	err = h.rows.GrantSecret(ctx, grant)
	if errors.Is(err, ErrConflict) {
		return errorf(http.StatusConflict, "this node already has this secret")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, grantJSON{NodeID: node.ID, SecretID: secret.ID,
		Granted: jsonTime(grant.Created)})
	return nil
}
