/**
 * The frame of every page: title, navigation, where the data comes from, and the page's body.
 * Scripts are files under /assets (the Content-Security-Policy allows no inline script).
 */
import { html, SafeHtml } from '../html';

export const PAGES = [
  { path: '/', name: 'Overview' },
  { path: '/runs', name: 'Runs' },
  { path: '/charts', name: 'Charts' },
  { path: '/reports', name: 'Reports' },
] as const;

export interface PageFrame {
  title: string;
  /** The navigation entry to mark as current. */
  current?: string;
  /** Where the data is, in words. */
  database: string;
  body: SafeHtml;
  scripts?: string[];
}

export function layout({ title, current, database, body, scripts = [] }: PageFrame): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · coingecko-crawler</title>
        <link rel="stylesheet" href="/assets/status.css" />
        ${scripts.map((src) => html`<script src="${src}" defer></script> `)}
      </head>
      <body>
        <header>
          <strong class="brand">coingecko-crawler</strong>
          <nav>
            ${PAGES.map(
              (page) =>
                html`<a
                  href="${page.path}"
                  ${page.name === current ? new SafeHtml(' aria-current="page"') : ''}
                  >${page.name}</a
                >`,
            )}
          </nav>
          <span class="where">${database}</span>
        </header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html> `.text;
}

/**
 * A page that says what went wrong (400, 403, 404, 500): the message is text, never a stack. It
 * names no database: a refused request (another host name, say) learns nothing.
 */
export function errorPage(status: number, message: string): string {
  const titles: Record<number, string> = { 400: 'Bad request', 403: 'Forbidden', 404: 'Not found' };
  return layout({
    title: titles[status] ?? 'Error',
    database: '',
    body: html`<p class="error" role="alert" data-status="${status}">${message}</p>
      <p><a href="/">Back to the overview</a></p>`,
  });
}
