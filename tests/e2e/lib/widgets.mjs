// The widgets a teacher can place or embed, read from the table in lessons/README.md
// (the list teachers use), so the tests cover a widget as soon as it is documented.
import { readFileSync } from 'node:fs';

export const ROOT = new URL('../../../', import.meta.url);

export function widgetNames() {
  const readme = readFileSync(new URL('lessons/README.md', ROOT), 'utf8');
  const table = readme.split('\n## Widgets')[1].split('\n## ')[0];
  return [...table.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((match) => match[1]);
}
