/**
 * The action forms on the Runs page (sign in, or queue a daily run or a backfill), and the page an
 * action answers with. The token is typed into a password field and never written into a page.
 */
import { html } from '../html';
import { layout } from './layout';

export interface ActionFormsData {
  signedIn: boolean;
  today: string;
  dailyCoins: string[];
  spiders: string[];
}

export function actionForms({ signedIn, today, dailyCoins, spiders }: ActionFormsData) {
  if (!signedIn) {
    return html`<h2>Queue jobs</h2>
      <form method="post" action="/session" id="sign-in" class="action">
        <label>token <input type="password" name="token" autocomplete="current-password" required /></label>
        <button type="submit">Sign in</button>
        <span class="note">The token is SERVE_TOKEN; signing in sets a session cookie for this browser.</span>
      </form>`;
  }
  return html`<h2>Queue jobs</h2>
    <form method="post" action="/actions/daily" id="queue-daily" class="action">
      <strong>Daily run</strong>
      <label>day <input type="date" name="date" value="${today}" max="${today}" required /></label>
      <label>coins <input type="text" name="coin-id" value="${dailyCoins.join(' ')}" required /></label>
      <button type="submit">Queue</button>
    </form>
    <form method="post" action="/actions/backfill" id="queue-backfill" class="action">
      <strong>Backfill</strong>
      <label>coins <input type="text" name="coin-id" required /></label>
      <label>from <input type="date" name="start-date" max="${today}" required /></label>
      <label>to <input type="date" name="end-date" max="${today}" required /></label>
      <label
        >spider
        <select name="spider">
          ${spiders.map((name) => html`<option>${name}</option>`)}
        </select></label
      >
      <button type="submit">Queue</button>
    </form>
    <form method="post" action="/session/end" id="sign-out" class="action">
      <button type="submit">Sign out</button>
    </form>`;
}

export function queuedPage(kind: string, lines: string[], database: string): string {
  return layout({
    title: `Queued: ${kind}`,
    current: 'Runs',
    database,
    body: html`<ul id="queued">
        ${lines.map((line) => html`<li>${line}</li>`)}
      </ul>
      <p>A worker runs them (<code>npm run crawl -- worker</code>). <a href="/runs">See the runs</a></p>`,
  });
}
