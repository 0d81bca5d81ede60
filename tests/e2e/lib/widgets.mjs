// The widgets a teacher can place or embed, read from the app's registry
// (`NAMES` in www/src/widget.rs), so the tests cover a widget as soon as it exists.
import { readFileSync } from 'node:fs';

export const ROOT = new URL('../../../', import.meta.url);

export function widgetNames() {
  const source = readFileSync(new URL('www/src/widget.rs', ROOT), 'utf8');
  const list = source.match(/pub const NAMES: \[&str; \d+\] = \[([^\]]*)\]/);
  if (!list) throw new Error('www/src/widget.rs has no `pub const NAMES` list');
  return [...list[1].matchAll(/"([a-z0-9-]+)"/g)].map((match) => match[1]);
}
