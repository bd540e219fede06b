import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CompactTree,
  MerkleTree,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/index.ts';

/**
 * RFC 9162 test vectors as github.com/transparency-dev/merkle publishes them: the leaf inputs and
 * root hashes of testonly/constants.go (LeafInputs, RootHashes) at commit
 * 417fb0c314750d94e53942e9f92e79b6d35915db, and its testdata/inclusion and testdata/consistency
 * files, copied into fixtures/rfc9162-vectors.json (the `source` field says so).
 */
const hex = (s: string) => Buffer.from(s, 'hex');
const b64 = (s: string) => Buffer.from(s, 'base64');
const leafInputs = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);
const rootHashes = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
const vectors = JSON.parse(
  readFileSync(new URL('./fixtures/rfc9162-vectors.json', import.meta.url), 'utf8'),
) as { inclusion: InclusionVector[]; consistency: ConsistencyVector[] };

describe('the RFC 9162 Merkle tree', () => {
  const leaves = leafInputs.map(leafHash);

  it('computes the published root of every tree size 0 to 8', () => {
    expect(emptyRoot().toString('hex')).toBe(rootHashes[0]);
    for (let size = 0; size <= 8; size++)
      expect(rootOf(leaves, 0, size).toString('hex')).toBe(rootHashes[size]);
  });

  it('grows a compact tree whose root is the full tree’s at every size', () => {
    const tree = new CompactTree();
    expect(tree.root().toString('hex')).toBe(rootHashes[0]);
    for (const [i, leaf] of leaves.entries()) {
      tree.append(leaf);
      expect(tree.root().toString('hex')).toBe(rootHashes[i + 1]);
    }
  });

  it('makes inclusion and consistency proofs that verify, and only against the right root', () => {
    for (let size = 1; size <= 8; size++) {
      const root = hex(rootHashes[size]!);
      for (let i = 0; i < size; i++) {
        const proof = inclusionProof(leaves, i, size);
        expect(verifyInclusion(i, size, leaves[i]!, proof, root)).toBe(true);
        expect(verifyInclusion(i, size, leaves[(i + 1) % 8]!, proof, root)).toBe(false);
      }
      for (let m = 1; m <= size; m++) {
        const proof = consistencyProof(leaves, m, size);
        expect(verifyConsistency(m, size, proof, hex(rootHashes[m]!), root)).toBe(true);
        if (m < size)
          expect(verifyConsistency(m, size, proof, hex(rootHashes[m - 1]!), root)).toBe(false);
      }
    }
  });

  it('keeps large subtrees without changing any root or proof', () => {
    const many = Array.from({ length: 1100 }, (_, i) => leafHash(Buffer.from(String(i))));
    const tree = new MerkleTree(many);
    for (const size of [255, 256, 257, 513, 1024, 1100]) {
      const root = rootOf(many, 0, size);
      expect(tree.root(size).equals(root)).toBe(true);
      for (const i of [0, 200, size - 1])
        expect(verifyInclusion(i, size, many[i]!, tree.inclusionProof(i, size), root)).toBe(true);
      const m = 200;
      const proof = tree.consistencyProof(m, size);
      expect(verifyConsistency(m, size, proof, rootOf(many, 0, m), root)).toBe(true);
    }
  });

  it.each(vectors.inclusion.map((v) => [v.desc, v] as const))(
    'inclusion vector: %s',
    (_desc, v) => {
      const ok = verifyInclusion(
        v.leafIdx,
        v.treeSize,
        b64(v.leafHash ?? ''),
        (v.proof ?? []).map(b64),
        b64(v.root ?? ''),
      );
      expect(ok).toBe(!v.wantErr);
    },
  );

  it.each(vectors.consistency.map((v) => [v.desc, v] as const))(
    'consistency vector: %s',
    (_desc, v) => {
      const ok = verifyConsistency(
        v.size1,
        v.size2,
        (v.proof ?? []).map(b64),
        b64(v.root1 ?? ''),
        b64(v.root2 ?? ''),
      );
      expect(ok).toBe(!v.wantErr);
    },
  );
});
