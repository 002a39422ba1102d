/** Characters the option parser (level 1) reads as syntax: escapes, quotes, the option separator and key marker, and whitespace it trims. */
const OPTION_SYNTAX = /[\\':=\s]/

/**
 * `text` as one option value inside an ffmpeg filter graph, so that ffmpeg reads exactly `text` whatever it holds.
 *
 * ffmpeg unescapes filter-graph text twice. The graph parser (level 2) splits filters at `[ ] , ;`, and the filter's
 * option parser (level 1) then splits its arguments into options at `:`; each level strips one layer of `\` escapes
 * and `'…'` quotes. So level 1's syntax is escaped with backslashes, and the result is quoted for level 2, inside
 * which every character is literal; a quote inside becomes `'\\\''` (close, an escaped backslash and an escaped
 * quote, reopen), which level 2 turns into the `\'` that level 1 reads as a quote.
 */
export function filterValue(text: string): string {
  let quoted = "'"
  for (const character of text) quoted += character === "'" ? "'\\\\\\''" : OPTION_SYNTAX.test(character) ? `\\${character}` : character
  return `${quoted}'`
}
