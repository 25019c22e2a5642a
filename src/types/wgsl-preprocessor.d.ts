// Types for wgsl-preprocessor (the package ships none and no "main": import its file directly).
declare module 'wgsl-preprocessor/wgsl-preprocessor.js' {
  export function wgsl(strings: TemplateStringsArray, ...values: unknown[]): string;
}
