// Text assets imported with `with { type: "text" }` are embedded into the compiled binary.
declare module "*.yml" {
  const text: string;
  export default text;
}
declare module "*.md" {
  const text: string;
  export default text;
}
declare module "*.prompt" {
  const text: string;
  export default text;
}
declare module "*.conf" {
  const text: string;
  export default text;
}
