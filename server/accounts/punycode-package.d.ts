/**
 * The userland `punycode` package, by its file: Node's builtin `punycode` is deprecated, and the
 * package has no ESM entry Node can import by name (`punycode/` is a directory import in ESM).
 * Its CommonJS module is the API object, so it is the default export.
 */
declare module 'punycode/punycode.js' {
  const punycode: {
    /** RFC 3492 encoding of a label, without the `xn--` prefix. */
    encode(input: string): string;
    decode(input: string): string;
  };
  export default punycode;
}
