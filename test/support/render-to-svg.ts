import { renderMermaid } from '@mermaid-js/mermaid-cli';
import type { Browser } from 'puppeteer';

/** A diagram as mermaid drew it, or mermaid's error: a block that fails is a result, and the test reports them all. */
export type Rendered = { state: 'rendered'; svg: string } | { state: 'failed'; error: string };

/**
 * Draws one mermaid definition to SVG with mermaid-cli in a new page of `browser` (the page is
 * closed after), as GitHub's mermaid draws the block (the version may differ).
 */
export async function renderToSvg(browser: Browser, definition: string): Promise<Rendered> {
  try {
    const { data } = await renderMermaid(browser, definition, 'svg');
    return { state: 'rendered', svg: new TextDecoder().decode(data) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Mermaid's own message ("Parse error on line 6: ... Expecting ..."), without the stack of its bundle.
    const lines = message.split('\n');
    const stack = lines.findIndex((l) => /^\s*at\s|\(https?:\/\/[^)]*:\d+:\d+\)\s*$/.test(l));
    return { state: 'failed', error: (stack === -1 ? lines : lines.slice(0, stack)).join('\n').trim() };
  }
}
