/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, and the tlog checkpoint they carry
 * (c2sp.org/tlog-checkpoint). Keys are text in the formats Go's golang.org/x/mod/sumdb/note uses:
 * a verifier key `<name>+<hex key id>+base64(0x01 || public key)` and a signer key
 * `PRIVATE+KEY+<name>+<hex key id>+base64(0x01 || seed)`. Pure: no I/O.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

const ED25519 = 0x01;
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export class NoteError extends Error {
  override name = 'NoteError';
}

export interface VerifierKey {
  name: string;
  keyId: Buffer;
  publicKey: KeyObject;
}
export interface SignerKey extends VerifierKey {
  privateKey: KeyObject;
}

const validName = (name: string) => name.length > 0 && !/[\s+]/u.test(name);

/** SHA-256(key name || 0x0A || 0x01 || public key)[:4] */
function keyIdOf(name: string, rawPublic: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([ED25519]), rawPublic]))
    .digest()
    .subarray(0, 4);
}

const rawPublicKey = (key: KeyObject) =>
  key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);

/** `[prefix]<name>+<hex id>+<base64>`: the base64 part may itself contain "+". */
function keyParts(text: string, prefix: string): { name: string; id: Buffer; material: Buffer } {
  const trimmed = text.trim();
  if (!trimmed.startsWith(prefix)) throw new NoteError('malformed key');
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(trimmed.slice(prefix.length));
  const bytes = Buffer.from(match?.[3] ?? '', 'base64');
  if (!match || bytes.length !== 33 || bytes[0] !== ED25519) throw new NoteError('malformed key');
  return { name: match[1]!, id: Buffer.from(match[2]!, 'hex'), material: bytes.subarray(1) };
}

export function parseVerifierKey(text: string): VerifierKey {
  const { name, id, material } = keyParts(text, '');
  if (!keyIdOf(name, material).equals(id)) throw new NoteError('key id does not match the key');
  const publicKey = createPublicKey({
    key: Buffer.concat([SPKI_PREFIX, material]),
    format: 'der',
    type: 'spki',
  });
  return { name, keyId: id, publicKey };
}

export function parseSignerKey(text: string): SignerKey {
  const { name, id, material } = keyParts(text, 'PRIVATE+KEY+');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, material]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  if (!keyIdOf(name, rawPublicKey(publicKey)).equals(id))
    throw new NoteError('key id does not match the key');
  return { name, keyId: id, publicKey, privateKey };
}

/** A new Ed25519 key pair for `name` (the log's origin), as signer and verifier key texts. */
export function generateKeys(name: string): { signer: string; verifier: string } {
  if (!validName(name)) throw new NoteError('a key name is non-empty, without spaces or "+"');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const raw = rawPublicKey(publicKey);
  const id = keyIdOf(name, raw).toString('hex');
  const encode = (material: Buffer) =>
    Buffer.concat([Buffer.from([ED25519]), material]).toString('base64');
  return {
    signer: `PRIVATE+KEY+${name}+${id}+${encode(seed)}`,
    verifier: `${name}+${id}+${encode(raw)}`,
  };
}

/** The signed note: `text` (ending in a newline), a blank line and the signature line. */
export function signNote(text: string, key: SignerKey): string {
  if (!text.endsWith('\n')) throw new NoteError('note text must end with a newline');
  const signature = sign(null, Buffer.from(text, 'utf8'), key.privateKey);
  const encoded = Buffer.concat([key.keyId, signature]).toString('base64');
  return `${text}\n— ${key.name} ${encoded}\n`;
}

/** A signed note's signature line: `— <key name> <base64 key id and signature>`. */
export const signatureLine = /^— (\S+) ([A-Za-z0-9+/=]+)$/;

/**
 * The note's text when a signature by `key` verifies; a {@link NoteError} otherwise (signatures
 * of other keys are ignored, as the spec says; one of `key`'s that fails rejects the note).
 */
export function openNote(note: string, key: VerifierKey): string {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new NoteError('not a signed note');
  const text = note.slice(0, split + 1);
  let verified = false;
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const match = signatureLine.exec(line);
    if (!match) throw new NoteError('malformed signature line');
    const bytes = Buffer.from(match[2]!, 'base64');
    if (match[1] !== key.name || !bytes.subarray(0, 4).equals(key.keyId)) continue;
    if (!verify(null, Buffer.from(text, 'utf8'), key.publicKey, bytes.subarray(4)))
      throw new NoteError(`signature by ${key.name} does not verify`);
    verified = true;
  }
  if (!verified) throw new NoteError(`no signature by ${key.name}`);
  return text;
}

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

/** c2sp.org/tlog-checkpoint note text: origin, tree size, base64 root hash. */
export function checkpointText({ origin, size, root }: Checkpoint): string {
  return `${origin}\n${size}\n${root.toString('base64')}\n`;
}

export function parseCheckpointText(text: string): Checkpoint {
  const [origin, size, root] = text.split('\n');
  if (!origin || !size || !/^(0|[1-9]\d*)$/.test(size) || !root)
    throw new NoteError('malformed checkpoint');
  const hash = Buffer.from(root, 'base64');
  if (hash.length !== 32 || hash.toString('base64') !== root)
    throw new NoteError('malformed checkpoint root');
  return { origin, size: Number(size), root: hash };
}

/** A signed checkpoint, verified with `key` and checked to be of `key`'s origin. */
export function openCheckpoint(note: string, key: VerifierKey): Checkpoint {
  const checkpoint = parseCheckpointText(openNote(note, key));
  if (checkpoint.origin !== key.name) throw new NoteError('checkpoint of another origin');
  return checkpoint;
}
