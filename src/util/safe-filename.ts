/**
 * Turns any text (a coin id from a spider, say) into one safe file-name component. Letters, digits,
 * `-` and `_` stay; every other character becomes `%XX` of its UTF-8 bytes, so distinct ids stay
 * distinct and nothing can climb out of the folder (`../x` -> `%2E%2E%2Fx`).
 */
export function safeFileComponent(text: string): string {
  if (text === '') return '%';
  return Array.from(text)
    .map((char) => (/^[A-Za-z0-9_-]$/.test(char) ? char : percentEncode(char)))
    .join('');
}

function percentEncode(char: string): string {
  return Array.from(Buffer.from(char, 'utf8'))
    .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
    .join('');
}
