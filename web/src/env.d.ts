/** Ambient declarations for the widget build: inlined CSS modules and build-time constants. */

/** Vite's `?inline` suffix turns a stylesheet into a string, which the loader puts inside the shadow root. */
declare module '*.css?inline' {
  const css: string;
  export default css;
}

/** The widget version (package.json `version`), replaced at build time by Vite's `define`. */
declare const __MONETA_WIDGET_VERSION__: string;
