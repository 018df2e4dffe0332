// Package browser holds ownkey's end-to-end tests in a real Chromium: the
// page of dist/ driven through its UI, the JavaScript API called directly,
// and files exchanged with the command line in both directions. They need
// ./build.sh to have been run and /usr/bin/chromium to be installed; without
// either they fail, saying so, rather than skip.
package browser
