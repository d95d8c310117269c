// A `.wasm` file imported as a module (workerd, Vercel's Edge Runtime): a compiled
// `WebAssembly.Module`.
declare module '*.wasm' {
  const module: object;
  export default module;
}
declare module '*.wasm?module' {
  const module: object;
  export default module;
}
