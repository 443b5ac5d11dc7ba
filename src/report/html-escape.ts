// Everything the report shows comes from files (keys and values typed by anyone, traces from
// disk), so every string goes through one of these before it reaches the page.

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value: nothing in it can open a tag or end an attribute. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * JSON for a `<script type="application/json">` block: `<` is written as \u003c so no value can
 * close the script element (`</script>`) or open a comment; U+2028/2029 for old parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A script's source inline: `</script` inside it (in a string of a library) must not end the element. */
export function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** A style sheet inline: `</style` must not end the element. */
export function inlineStyle(source: string): string {
  return source.replace(/<\/(style)/gi, '<\\/$1');
}
