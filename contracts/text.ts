/**
 * Words for numbers, one module for the configuration's messages, the CLI and the cost model (no
 * imports: anything may load it).
 */

/** "1 check", "2 checks"; `show` writes the number (e.g. with thousands separators). */
export function plural(n: number, noun: string, show: (n: number) => string = String): string {
  return `${show(n)} ${noun}${n === 1 ? '' : 's'}`;
}
