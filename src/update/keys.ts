import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileCapped, UnsafeFileError } from "../fs/safe-open.ts";
import { PublicKeyFormatError, ReleaseError } from "./errors.ts";
import { writeUpdateFile } from "./fs-errors.ts";
import { BUILT_IN_PUBLIC_KEYS } from "./trusted-keys.ts";

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface ReleaseKeyPair {
  /** PKCS#8 PEM: keep it offline, mode 0600. */
  privateKeyPem: string;
  /** The public key as one line of base64 of the raw 32-byte Ed25519 key. */
  publicKeyBase64: string;
}

export function generateReleaseKeyPair(): ReleaseKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyBase64: encodePublicKey(publicKey),
  };
}

/** Raw 32-byte Ed25519 key, base64: short enough to paste into a YAML list. */
export function encodePublicKey(key: KeyObject): string {
  const der = key.export({ type: "spki", format: "der" });
  return der.subarray(SPKI_ED25519_PREFIX.length).toString("base64");
}

/** Accepts the raw 32-byte key or a full SPKI DER, both base64; anything else is an error naming `where`. */
export function decodePublicKey(text: string, where: string): KeyObject {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    throw new PublicKeyFormatError(`${where}: not base64`);
  }
  const bytes = Buffer.from(trimmed, "base64");
  let der: Buffer;
  if (bytes.length === 32) {
    der = Buffer.concat([SPKI_ED25519_PREFIX, bytes]);
  } else if (bytes.length === 44 && bytes.subarray(0, 12).equals(SPKI_ED25519_PREFIX)) {
    der = bytes;
  } else {
    throw new PublicKeyFormatError(
      `${where}: expected a 32-byte Ed25519 public key, got ${bytes.length} bytes`,
    );
  }
  try {
    return createPublicKey({ key: der, format: "der", type: "spki" });
  } catch (error) {
    throw new PublicKeyFormatError(`${where}: ${(error as Error).message}`);
  }
}

/** The built-in keys followed by the configured ones, each decoded (a bad one is an error, not skipped). */
export function trustedPublicKeys(configured: readonly string[]): KeyObject[] {
  return [
    ...BUILT_IN_PUBLIC_KEYS.map((key, i) => decodePublicKey(key, `built-in key #${i + 1}`)),
    ...configured.map((key, i) => decodePublicKey(key, `update.publicKeys[${i}]`)),
  ];
}

/** Writes `<prefix>.key` (PKCS#8 PEM, mode 0600) and `<prefix>.pub` (one line of base64). */
export function writeReleaseKeyPair(prefix: string): ReleaseKeyPair {
  const pair = generateReleaseKeyPair();
  writeUpdateFile(`${prefix}.key`, pair.privateKeyPem, 0o600);
  writeUpdateFile(`${prefix}.pub`, `${pair.publicKeyBase64}\n`);
  return pair;
}

/** Reads a release private key and insists it is Ed25519. */
export function readReleasePrivateKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    // An Ed25519 PEM is about 120 bytes; a larger file is not a release key, and is not parsed.
    key = createPrivateKey(readFileCapped(path, 64 * 1024));
  } catch (error) {
    if (error instanceof UnsafeFileError) throw new ReleaseError(error.message);
    throw new ReleaseError(`${path}: not a PEM private key (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new ReleaseError(
      `${path}: an ${key.asymmetricKeyType} key; release keys are Ed25519 (ember release keygen)`,
    );
  }
  return key;
}
