/**
 * The status page's templates escape by construction: text from the database (coin ids, error
 * messages) can't become markup, in element text or attribute values.
 */
import { escapeHtml, html, jsonInScript, SafeHtml } from '../../src/web/html';

it('escapes every interpolated value, in text and in attributes', () => {
  const error = `<img src=x onerror="alert('x')"> & more`;
  expect(html`<td title="${error}">${error}</td>`.text).toBe(
    '<td title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; more">' +
      '&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; more</td>',
  );
  expect(escapeHtml('`a`')).toBe('&#96;a&#96;');
});

it('keeps nested templates as markup, joins lists, and prints nothing for null, undefined and false', () => {
  const rows = ['a<b', 'c'].map((cell) => html`<li>${cell}</li>`);
  // (Prettier lays out html`` templates; whitespace between tags is its.)
  const list = html`<ul>
      ${rows}
    </ul>
    ${null}${undefined}${false}${0}`.text.replace(/\s+/g, '');
  expect(list).toBe('<ul><li>a&lt;b</li><li>c</li></ul>0');
  expect(html`${new SafeHtml('<br>')}`.text).toBe('<br>');
});

it('writes JSON that cannot close its script element', () => {
  const text = jsonInScript({ coin: '</script><script>alert(1)</script>', note: 'a & b' }).text;
  expect(text).not.toMatch(/[<>&]/);
  expect(JSON.parse(text)).toEqual({ coin: '</script><script>alert(1)</script>', note: 'a & b' });
});
