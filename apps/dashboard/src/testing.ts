import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ConfigurationError } from '@autonas/core';

/** Debian's Chromium, which the browser tests drive (`.ci/run` installs it when missing). */
export const CHROMIUM = process.env.AUTONAS_CHROMIUM ?? '/usr/bin/chromium';

/** Whether {@link CHROMIUM} is there to drive. */
export const hasChromium = (): boolean => fs.existsSync(CHROMIUM);

/** A headless Chromium with a fresh profile, and one page in it. */
export interface TestBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/**
 * Starts Debian's Chromium headless through `playwright-core`, with a fresh `--user-data-dir` and
 * no network of its own (no sync, no component updates, no QUIC): for tests that open the
 * dashboard on loopback.
 * @returns the browser's context, a page, and `close`
 * @throws ConfigurationError `NO_BROWSER` when Chromium is missing
 * @example
 * ```ts
 * import { launchTestBrowser } from '@autonas/dashboard/testing';
 * const browser = await launchTestBrowser();
 * await browser.page.goto('http://127.0.0.1:8790/');
 * await browser.close();
 * ```
 */
export async function launchTestBrowser(): Promise<TestBrowser> {
  if (!hasChromium()) throw new ConfigurationError('NO_BROWSER', `no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    deviceScaleFactor: 1,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
