/**
 * Puppeteer is here only for mermaid-cli, which renders the reports' charts in the slow suite
 * (test/mermaid-render.slow.test.ts). That test drives Debian's chromium, which .ci/run installs;
 * puppeteer must not download a Chrome of its own, so that `npm ci` works without reaching Google.
 * @type {import('puppeteer').Configuration}
 */
module.exports = {
  skipDownload: true,
};
