/** The widget's version, injected at build time (falls back to "dev" when the sources run unbundled, e.g. in unit tests). */

/** Semantic version of this widget build; stored next to the session id so a future format change can be detected. */
export const WIDGET_VERSION: string =
  typeof __MONETA_WIDGET_VERSION__ === 'string' ? __MONETA_WIDGET_VERSION__ : '0.0.0-dev';
