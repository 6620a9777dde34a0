/**
 * Release public keys built into every binary (raw 32-byte Ed25519 keys, base64). A node trusts
 * these plus config `update.publicKeys`. Adding the next key here one release before signing with
 * it is how keys are rotated (docs/UPDATE.md); this repository ships none of its own yet.
 */
export const BUILT_IN_PUBLIC_KEYS: readonly string[] = [];
