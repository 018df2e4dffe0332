// Package headless holds the one way ownkey's tests and benchmark start
// Chromium: Debian's build, headless, as root, and kept off the network.
// Without the background-networking flags Chromium reaches for Google's
// hosts at every start, and nothing here may leave loopback.
package headless

import "github.com/chromedp/chromedp"

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// Options are the chromedp allocator options for a headless Chromium with a
// profile in userDataDir, which must be a fresh directory; extra options
// (a window size, a memory flag) are added after them.
func Options(userDataDir string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.UserDataDir(userDataDir),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Workers and timers must run at full speed in a page no one sees.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
	}
	return append(opts, extra...)
}
