// Package e2e drives ownkey's page in headless Chromium against a running
// service, through the whole Coretex flow with two users and a node, and
// audits every request the browser made: no secret, private key, project
// key or plaintext may cross the wire. The service is a parameter (see
// Service), so that the same flow runs against `ownkey serve` here and
// against other deployments of the same handler.
package e2e
