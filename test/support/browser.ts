import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, installed by .ci/run (`apt-get install -y chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

/** Where browser tests leave their screenshots (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/** Headless Chromium, or a failure that says how to install it: a browser test never skips silently. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: the browser tests drive Debian's Chromium. Install it with ` +
        '`DEBIAN_FRONTEND=noninteractive apt-get install -y chromium` (.ci/run does this before npm test).',
    );
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}
