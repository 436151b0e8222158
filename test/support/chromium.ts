import { existsSync, readFileSync } from 'node:fs';
import puppeteer, { type Browser, type LaunchOptions } from 'puppeteer';

/**
 * How the slow suite starts Debian's chromium (puppeteer downloads no browser here: see
 * .puppeteerrc.cjs). The same file renders a report by hand:
 * `npx mmdc -p test/support/puppeteer-config.json -i report.md -o rendered.md`.
 * `--no-sandbox` because tests and CI run as root, where chromium's sandbox refuses to start.
 */
const config = JSON.parse(readFileSync(new URL('./puppeteer-config.json', import.meta.url), 'utf8')) as LaunchOptions & { executablePath: string };

/** The browser the tests drive: puppeteer's PUPPETEER_EXECUTABLE_PATH when set, else Debian's chromium. */
export const CHROMIUM_PATH = process.env['PUPPETEER_EXECUTABLE_PATH'] || config.executablePath;

/** Starts chromium headless; fails saying how to install it when it is missing, so no test passes without it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No chromium at ${CHROMIUM_PATH}: the mermaid charts of the reports cannot be rendered. ` +
        '.ci/run installs it as root (apt-get install chromium); elsewhere install Debian\'s `chromium` package, ' +
        'or point PUPPETEER_EXECUTABLE_PATH at a Chrome or Chromium.',
    );
  }
  return puppeteer.launch({ ...config, executablePath: CHROMIUM_PATH });
}
