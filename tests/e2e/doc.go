// Package e2e drives ownkey's page in headless Chromium against a running
// service, through the whole Coretex flow with two users and a node, and
// audits every request the browsers made: no secret, private key, project
// key or plaintext may cross the wire.
//
// The service is a parameter (Service): TestTwoUsersAndANode runs
// `dist/ownkey serve` (LocalService); another deployment of the same
// handler is another Service passed to runFlow. The browsers talk to it
// through a loopback recording proxy, so the audit sees each body twice:
// as the DevTools Protocol reports it (Network events and
// Network.getRequestPostData) and as the proxy received it, whole. The
// scanner is itself tested against planted leaks
// (TestScannerCatchesPlantedLeaks), so the audit cannot pass for want of
// looking.
//
// Run ./build.sh first; the tests fail, not skip, without dist/ or
// /usr/bin/chromium. OWNKEY_E2E_SCREENSHOTS=DIR saves full-page
// screenshots of the main states into DIR.
package e2e
