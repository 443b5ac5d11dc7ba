// js-yaml 4 ships no types, and @types/js-yaml is not a dependency: the one call the deploy tests make.
declare module 'js-yaml' {
  export function load(text: string, options?: { filename?: string }): unknown;
  const yaml: { load: typeof load };
  export default yaml;
}
